"""The gateway's side of the collection seam: journal what modems hand over, then apply the reports.

Each modem driver gets :meth:`CollectionService.sink` as its sink. A batch is journaled in one
transaction of the modem inbox (``store/inbox.py``) before the driver deletes it from the modem;
nothing here waits for a send. Journaled status reports are applied by :meth:`apply_pending` —
called by the modem's worker whenever reports were journaled or a send was settled, by the poll
job, and at start-up before any worker runs, so a kill between reading and applying loses nothing
and the compare-and-set on the entry means none is applied twice. A report that fits no part yet
stays pending (its part's MR may be recorded a moment later, or the modem's SMSC-clock offset may
be learnt from the next reports) for ``grace``; then it is settled as unmatched or ambiguous, with
a log line and, for ambiguous ones, an event on each message it could have been.

Received SMS (``deliver`` entries) are only journaled here: they wait in the inbox for inbound
processing (issue 11), which takes them with ``InboxRepository.pending(PduKind.DELIVER)`` and
settles each with ``store.inbox.settle_entry`` inside its own transaction (docs/interfaces.md §4c).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.errors import InvalidNumberError, PduError
from gsmgateway.core.inbox import InboxEntry, InboxOutcome, NewInboxEntry, PduKind
from gsmgateway.core.numbers import mask_number, normalise_number
from gsmgateway.modem.collection import Collected, Sink
from gsmgateway.modem.pdu import decode_status_report
from gsmgateway.modem.results import describe_tp_st
from gsmgateway.store.inbox import InboxRepository
from gsmgateway.store.reports import ReportDecision, ReportFacts, ReportRepository

logger = logging.getLogger(__name__)
#: How long a report that fits no part (or several) stays pending before it is settled as such.
UNMATCHED_GRACE = timedelta(minutes=10)
Listener = Callable[[str, frozenset[PduKind]], None]


@dataclass
class ApplySummary:
    """What one :meth:`CollectionService.apply_pending` did, by outcome (``pending``: still waiting)."""

    counts: Counter[str] = field(default_factory=Counter)

    @property
    def applied(self) -> int:
        """Reports recorded on their parts."""
        return self.counts[InboxOutcome.APPLIED.value]

    @property
    def pending(self) -> int:
        """Reports still waiting for their part (or for evidence to pick between parts)."""
        return self.counts["pending"]


class CollectionService:
    """Journals collected PDUs and applies journaled status reports to their messages."""

    def __init__(
        self,
        *,
        config: GatewayConfig,
        inbox: InboxRepository,
        reports: ReportRepository,
        clock: Callable[[], datetime] = utc_now,
        grace: timedelta = UNMATCHED_GRACE,
    ) -> None:
        self._config = config
        self._inbox = inbox
        self._reports = reports
        self._clock = clock
        self._grace = grace
        self._listeners: list[Listener] = []
        self._lock = asyncio.Lock()
        self._waiting: dict[str, bool] = {}  # modem → reports journaled and not all applied yet
        self._announced: set[int] = set()  # entries whose wait was logged once
        self._writing: set[asyncio.Future[list[int]]] = set()  # journal writes in flight

    @property
    def inbox(self) -> InboxRepository:
        """The journal itself (inbound processing reads its ``deliver`` entries)."""
        return self._inbox

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(modem_id, kinds)`` after every batch that journaled new entries."""
        self._listeners.append(listener)

    def sink(self, modem_id: str) -> Sink:
        """Return the sink for ``modem_id``'s driver: it journals a batch, durably, then returns.

        The write is shielded: a driver cancelled mid-batch (an unplug ends its URC task, a stop
        its sweep) must not cut a transaction in half — that would leave a pooled connection
        holding SQLite's write lock. The batch is then journaled all the same and, not having been
        deleted, read once more later (and journaled once: same PDU).
        """

        async def journal(batch: Sequence[Collected]) -> None:
            task = asyncio.ensure_future(self.journal(modem_id, batch))
            self._writing.add(task)
            task.add_done_callback(self._written)
            await asyncio.shield(task)

        return journal

    def _written(self, task: asyncio.Future[list[int]]) -> None:
        self._writing.discard(task)
        if not task.cancelled():
            task.exception()  # a failure reached the sink's caller, or (it was cancelled) does not matter

    async def drain(self) -> None:
        """Wait for journal writes whose caller was cancelled (call before the store closes)."""
        while self._writing:
            await asyncio.wait(set(self._writing))

    async def journal(self, modem_id: str, batch: Sequence[Collected]) -> list[int]:
        """Write ``batch`` to the inbox in one transaction; return the ids of new entries."""
        entries = [
            NewInboxEntry(modem_id=modem_id, kind=item.kind, source=item.source, memory=item.memory,
                          slot=item.index, pdu=item.pdu)
            for item in batch
        ]  # fmt: skip
        ids = await self._inbox.add(entries, now=self._clock())
        if not ids:
            return ids
        kinds = frozenset(item.kind for item in batch)
        if PduKind.REPORT in kinds:
            self._waiting[modem_id] = True
        received = sum(1 for item in batch if item.kind is PduKind.DELIVER)
        if received:  # never the number or the text: that is not an operator's business
            logger.info("%s: %d received SMS kept for inbound processing (%s)", modem_id, received,
                        batch[0].source)  # fmt: skip
        for listener in self._listeners:
            listener(modem_id, kinds)
        return ids

    def reports_waiting(self, modem_id: str) -> bool:
        """Whether reports of ``modem_id`` were journaled and may not all be applied yet."""
        return self._waiting.get(modem_id, False)

    async def apply_pending(self, modem_id: str | None = None) -> ApplySummary:
        """Apply every pending status report (of one modem, or of all); settle the hopeless ones.

        Runs passes until one applies nothing new: an applied report may teach the SMSC-clock
        offset that a report left pending needs. Journaled PDUs that are neither reports nor SMS
        are settled here too (kept, never applied).
        """
        summary = ApplySummary()
        async with self._lock:
            await self._settle_others(modem_id, summary)
            while True:
                pass_summary = await self._one_pass(modem_id)
                summary.counts.update(pass_summary.counts)
                summary.counts["pending"] = pass_summary.pending
                if not (pass_summary.applied and pass_summary.pending):
                    break
            if modem_id is not None and not summary.pending:
                self._waiting[modem_id] = False
        return summary

    async def _one_pass(self, modem_id: str | None) -> ApplySummary:
        summary = ApplySummary()
        after = 0
        while True:
            entries = await self._inbox.pending(PduKind.REPORT, modem_id=modem_id, after_id=after)
            if not entries:
                return summary
            for entry in entries:
                decision = await self._apply(entry)
                summary.counts[decision.outcome.value if decision.outcome else "pending"] += 1
            after = entries[-1].id

    async def _apply(self, entry: InboxEntry) -> ReportDecision:
        now = self._clock()
        try:
            report = decode_status_report(entry.pdu, modem_id=entry.modem_id)
        except PduError:
            await self._inbox.settle(entry.id, InboxOutcome.UNDECODABLE, now=now)
            return ReportDecision(InboxOutcome.UNDECODABLE)
        try:
            number = normalise_number(
                report.recipient, default_country_code=self._config.directory.default_country_code
            )
        except InvalidNumberError:
            number = report.recipient
        facts = ReportFacts(
            modem_id=entry.modem_id, mr=report.mr, number=number, outcome=report.outcome,
            tp_st=report.tp_st, scts=report.scts, detail=f"{report.outcome}, {describe_tp_st(report.tp_st)}",
        )  # fmt: skip
        window = timedelta(hours=self._config.dispatch.report_match_hours)
        final = now - entry.read_at >= self._grace
        decision = await self._reports.apply(entry.id, facts, now=now, window=window, final=final)
        self._tell(entry, facts, decision)
        return decision

    def _tell(self, entry: InboxEntry, facts: ReportFacts, decision: ReportDecision) -> None:
        """One log line per report that does not simply land (never the full number)."""
        who = f"{entry.modem_id} (mr={facts.mr}, to={mask_number(facts.number)})"
        if decision.outcome is InboxOutcome.UNMATCHED:
            logger.warning("status report from %s matches no part; kept in the inbox (id %s)", who, entry.id)
        elif decision.outcome is InboxOutcome.AMBIGUOUS:
            logger.warning("status report from %s fits messages %s equally; not applied (inbox id %s)", who,
                           ", ".join(map(str, decision.rivals)), entry.id)  # fmt: skip
        elif decision.outcome is None and not decision.already and entry.id not in self._announced:
            self._announced.add(entry.id)
            waiting_for = f"evidence between messages {decision.rivals}" if decision.rivals else "its part"
            logger.info("status report from %s waits for %s (inbox id %s)", who, waiting_for, entry.id)
        if decision.outcome is not None:
            self._announced.discard(entry.id)

    async def _settle_others(self, modem_id: str | None, summary: ApplySummary) -> None:
        for entry in await self._inbox.pending(PduKind.OTHER, modem_id=modem_id):
            if await self._inbox.settle(entry.id, InboxOutcome.UNDECODABLE, now=self._clock()):
                logger.error("%s: a PDU from %s/%s is neither a report nor an SMS; kept in the inbox (id %s)",
                             entry.modem_id, entry.memory or "direct", entry.slot, entry.id)  # fmt: skip
                summary.counts[InboxOutcome.UNDECODABLE.value] += 1
