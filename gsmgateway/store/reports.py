"""Applying a journaled status report to its part, and rolling the message up, in one transaction.

The inbox entry is claimed first (a compare-and-set on ``processed_at``), so a report is applied
once however many processors try; the part is found with the rules of ``core/report_match.py``;
the message's status follows from ``core/report_rollup.py``. A report that fits no part yet (its
part's MR is not recorded yet, or the offset of the modem's SMSC clock is not learnt) is released
and stays pending; once ``final`` is asked for, it is settled as unmatched or ambiguous instead.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.inbox import InboxOutcome
from gsmgateway.core.models import MessageStatus, ReportOutcome, can_transition
from gsmgateway.core.report_match import (
    Choice,
    ChoiceKind,
    MatchPolicy,
    PartCandidate,
    choose,
    estimate_offset,
)
from gsmgateway.core.report_rollup import rollup
from gsmgateway.store.base import Repository
from gsmgateway.store.db import Database
from gsmgateway.store.inbox import record_outcome, release_entry, settle_entry
from gsmgateway.store.tables import message_events, message_parts, messages
from gsmgateway.store.transitions import transition

_OPEN = (message_parts.c.report_outcome.is_(None)) | (
    message_parts.c.report_outcome == ReportOutcome.PENDING.value
)
_CANDIDATE_COLUMNS = (
    message_parts.c.id,
    message_parts.c.message_id,
    message_parts.c.part_no,
    message_parts.c.mr,
    message_parts.c.written_at,
    message_parts.c.sent_at,
)


@dataclass(frozen=True, kw_only=True)
class ReportFacts:
    """What a decoded status report says, with the recipient normalised like directory numbers."""

    modem_id: str
    mr: int
    number: str
    outcome: ReportOutcome
    tp_st: int
    scts: datetime | None
    detail: str | None = None  # what it said, in words ("undelivered, TP-ST 0x43 (not obtainable)")


@dataclass(frozen=True)
class ReportDecision:
    """What became of one inbox entry: its outcome (None: still pending), part and new status."""

    outcome: InboxOutcome | None
    message_id: int | None = None
    part_no: int | None = None
    new_status: MessageStatus | None = None
    rivals: tuple[int, ...] = ()  # message ids that fitted equally (ambiguous)
    already: bool = False  # another processor had settled the entry


def _candidate(row: Any) -> PartCandidate:
    return PartCandidate(
        part_id=row.id, message_id=row.message_id, part_no=row.part_no, mr=row.mr,
        written_at=row.written_at, sent_at=row.sent_at,
    )  # fmt: skip


class ReportRepository(Repository):
    """Status reports → parts → message status; keeps each modem's learnt SMSC-clock offset."""

    def __init__(self, database: Database, *, policy: MatchPolicy | None = None) -> None:
        super().__init__(database)
        self.policy = policy or MatchPolicy()
        self._samples: dict[str, deque[timedelta]] = {}

    async def apply(
        self, entry_id: int, facts: ReportFacts, *, now: datetime, window: timedelta, final: bool
    ) -> ReportDecision:
        """Apply the report of inbox entry ``entry_id`` (see the module docstring).

        A report that would stay pending is found out by a read first: retrying the ones that wait
        (after every send, until their grace ends) then costs no write, no lock and no fsync.
        """
        if not final:
            async with self._read() as conn:
                same = await self._same_report(conn, facts)
                choice = Choice(ChoiceKind.MATCH) if same else await self._choose(conn, facts, now, window)
            if choice.kind is not ChoiceKind.MATCH:
                return ReportDecision(None, rivals=tuple(p.message_id for p in choice.rivals))
        async with self._write() as conn:
            if not await settle_entry(conn, entry_id, outcome=None, now=now):
                return ReportDecision(None, already=True)
            same = await self._same_report(conn, facts)
            if same is not None and not same[1]:
                await record_outcome(conn, entry_id, InboxOutcome.DUPLICATE, message_id=same[0].message_id)
                return ReportDecision(InboxOutcome.DUPLICATE, same[0].message_id, same[0].part_no)
            choice = (
                Choice(ChoiceKind.MATCH, same[0]) if same else await self._choose(conn, facts, now, window)
            )
            if choice.kind is ChoiceKind.MATCH and choice.part is not None:
                return await self._record(conn, entry_id, facts, choice.part, now)
            if not final:
                await release_entry(conn, entry_id)
                return ReportDecision(None, rivals=tuple(p.message_id for p in choice.rivals))
            return await self._give_up(conn, entry_id, facts, choice, now)

    async def _same_report(
        self, conn: AsyncConnection, facts: ReportFacts
    ) -> tuple[PartCandidate, bool] | None:
        """Return the part an earlier report with this very SCTS went to, and whether it is still open.

        That report was a temporary one (TP-ST 0x20-0x3F) of the same SMS, or this one read twice.
        """
        if facts.scts is None:
            return None
        row = (
            await conn.execute(
                select(*_CANDIDATE_COLUMNS, message_parts.c.report_outcome).where(
                    message_parts.c.modem_id == facts.modem_id, message_parts.c.mr == facts.mr,
                    message_parts.c.number == facts.number, message_parts.c.scts == facts.scts,
                )
                .order_by(message_parts.c.id.desc())
                .limit(1)
            )
        ).first()  # fmt: skip
        if row is None:
            return None
        return _candidate(row), row.report_outcome in (None, ReportOutcome.PENDING.value)

    async def _choose(
        self, conn: AsyncConnection, facts: ReportFacts, now: datetime, window: timedelta
    ) -> Choice:
        start = func.coalesce(message_parts.c.written_at, message_parts.c.sent_at)
        by_mr = (
            await conn.execute(
                select(*_CANDIDATE_COLUMNS).where(
                    message_parts.c.modem_id == facts.modem_id, message_parts.c.mr == facts.mr,
                    message_parts.c.number == facts.number, start >= now - window, _OPEN,
                )
            )
        ).all()  # fmt: skip
        written_only = (
            await conn.execute(
                select(*_CANDIDATE_COLUMNS)
                .join(messages, messages.c.id == message_parts.c.message_id)
                .where(
                    message_parts.c.modem_id == facts.modem_id, message_parts.c.mr.is_(None),
                    message_parts.c.number == facts.number, message_parts.c.written_at >= now - window,
                    message_parts.c.report_outcome.is_(None),
                    messages.c.status == MessageStatus.UNKNOWN.value,
                )
            )
        ).all()  # fmt: skip
        return choose(
            [_candidate(r) for r in by_mr], [_candidate(r) for r in written_only], scts=facts.scts,
            offset=await self.offset(facts.modem_id), policy=self.policy,
        )  # fmt: skip

    async def _record(
        self, conn: AsyncConnection, entry_id: int, facts: ReportFacts, part: PartCandidate, now: datetime
    ) -> ReportDecision:
        await conn.execute(
            update(message_parts)
            .where(message_parts.c.id == part.part_id)
            .values(mr=facts.mr, report_outcome=facts.outcome.value, tp_st=facts.tp_st, report_at=now,
                    scts=facts.scts)
        )  # fmt: skip
        new_status = await rollup_message(
            conn,
            part.message_id,
            now=now,
            modem_id=facts.modem_id,
            error_code=facts.tp_st,
            detail=facts.detail,
        )
        await record_outcome(conn, entry_id, InboxOutcome.APPLIED, message_id=part.message_id)
        if facts.scts is not None and part.start is not None:
            self._learn(facts.modem_id, facts.scts - part.start)
        return ReportDecision(InboxOutcome.APPLIED, part.message_id, part.part_no, new_status)

    async def _give_up(
        self, conn: AsyncConnection, entry_id: int, facts: ReportFacts, choice: Choice, now: datetime
    ) -> ReportDecision:
        if choice.kind is ChoiceKind.AMBIGUOUS:
            rivals = sorted({p.message_id for p in choice.rivals})
            reason = f"status report mr={facts.mr} fits messages {', '.join(map(str, rivals))}: not applied"
            for message_id in rivals:
                await note_event(conn, message_id, now=now, reason=reason[:200], modem_id=facts.modem_id)
            await record_outcome(conn, entry_id, InboxOutcome.AMBIGUOUS)
            return ReportDecision(InboxOutcome.AMBIGUOUS, rivals=tuple(rivals))
        await record_outcome(conn, entry_id, InboxOutcome.UNMATCHED)
        return ReportDecision(InboxOutcome.UNMATCHED)

    # --- the SMSC-clock offset ----------------------------------------------------------------
    async def offset(self, modem_id: str) -> timedelta | None:
        """Return the learnt offset of ``modem_id``'s SMSC clock (SCTS minus write time); None until known."""
        samples = self._samples.get(modem_id)
        if samples is None:
            samples = self._samples[modem_id] = deque(await self._stored_samples(modem_id),
                                                      maxlen=self.policy.samples_kept)  # fmt: skip
        return estimate_offset(list(samples), self.policy)

    async def _stored_samples(self, modem_id: str) -> list[timedelta]:
        """Offsets of the last parts whose report was applied (learnt again after a restart)."""
        start = func.coalesce(message_parts.c.written_at, message_parts.c.sent_at)
        async with self._read() as conn:
            rows = (
                await conn.execute(
                    select(message_parts.c.scts, start.label("start"))
                    .where(message_parts.c.modem_id == modem_id, message_parts.c.scts.is_not(None),
                           start.is_not(None))
                    .order_by(message_parts.c.report_at.desc())
                    .limit(self.policy.samples_kept)
                )
            ).all()  # fmt: skip
        return [r.scts - r.start for r in reversed(rows)]

    def _learn(self, modem_id: str, sample: timedelta) -> None:
        self._samples.setdefault(modem_id, deque(maxlen=self.policy.samples_kept)).append(sample)


async def note_event(
    conn: AsyncConnection, message_id: int, *, now: datetime, reason: str, modem_id: str | None
) -> None:
    """Append an event that changes no status (from = to = the current one): something to show."""
    row = (
        await conn.execute(select(messages.c.status, messages.c.attempts).where(messages.c.id == message_id))
    ).first()
    if row is None:
        return
    await conn.execute(
        insert(message_events).values(
            message_id=message_id, at=now, from_status=row.status, to_status=row.status, reason=reason,
            modem_id=modem_id, error_code=None, attempt=row.attempts,
        )
    )  # fmt: skip


async def rollup_message(
    conn: AsyncConnection,
    message_id: int,
    *,
    now: datetime,
    modem_id: str,
    error_code: int | None,
    detail: str | None = None,
) -> MessageStatus | None:
    """Move the message to what its parts' reports say (``core/report_rollup.py``); return the new status.

    ``detail`` (what the report said, e.g. its TP-ST meaning) goes into the reason of the move, so
    ``GET /sms/{id}`` and Fineract's ``errorMessage`` tell the real cause.

    An ``unknown`` message whose every part is known to have left (each has an MR or a report) moves
    to ``sent`` even without final reports: the network has confirmed them. A ``sending`` message
    is left alone (its worker moves it to ``sent`` and rolls it up then).
    """
    message = (
        await conn.execute(
            select(messages.c.status, messages.c.parts_total).where(messages.c.id == message_id)
        )
    ).one()
    parts = (
        await conn.execute(
            select(message_parts.c.mr, message_parts.c.report_outcome).where(
                message_parts.c.message_id == message_id
            )
        )
    ).all()
    outcomes = [ReportOutcome(p.report_outcome) if p.report_outcome else None for p in parts]
    target = rollup(message.parts_total, outcomes)
    current = MessageStatus(message.status)
    left = sum(1 for p in parts if p.mr is not None or p.report_outcome is not None)
    if target is None and current is MessageStatus.UNKNOWN and left >= message.parts_total:
        target = MessageStatus.SENT
    if target is None or target == current or not can_transition(current, target):
        return None
    reason = "report" if current is MessageStatus.SENT else f"late report ({current})"
    reason = f"{reason}: {detail}"[:200] if detail else reason
    await transition(
        conn, message_id, current, target, now=now, reason=reason, modem_id=modem_id, error_code=error_code,
        values={"sent_at": now} if target is MessageStatus.SENT else None,
    )  # fmt: skip
    return target
