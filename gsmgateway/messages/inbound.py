"""Inbound processing: journaled SMS-DELIVER entries → received messages, keywords, webhook events.

The collection seam journals every SMS a modem hands over before the modem deletes it
(docs/interfaces.md §4c). :meth:`InboundService.process_pending` takes the pending ``deliver``
entries, decodes each through the PDU adapter's guard (``modem/deliver.py``), matches the sender
(``directory/sender_match.py``) and stores the part (``store/inbound.py``: once, joined, keyword and
webhook event in the same transaction). :meth:`expire_partial` shows long messages still missing
parts after ``inbound.concat_timeout_seconds`` as incomplete. ``messages/inbound_runner.py`` calls
both: whenever SMS were journaled, after a start (what a kill left pending), and periodically.

Logs carry ids, never the sender's number beyond its last digits, never the text.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.errors import PduError, StoreError
from gsmgateway.core.inbound import (
    InboundDetail,
    InboundPage,
    InboundQuery,
    InboundView,
    Keyword,
    PayloadEncoding,
    SenderMatch,
    SenderType,
)
from gsmgateway.core.inbox import InboxEntry, InboxOutcome, PduKind
from gsmgateway.directory.sender_match import SenderMatcher
from gsmgateway.directory.service import DirectoryService
from gsmgateway.messages.submission import check_list_filters
from gsmgateway.modem.deliver import ReceivedPart, decode_received, payload_text
from gsmgateway.modem.sms import count_parts
from gsmgateway.store.inbound import InboundRepository, KeywordPolicy, NewPart, PartResult, ReplyPlan
from gsmgateway.store.inbound_queries import InboundQueries
from gsmgateway.store.inbox import InboxRepository

logger = logging.getLogger(__name__)
MAX_LIST_LIMIT = 500
GAP = "…"  # where a part of an incomplete message is missing
#: Parts stored per transaction: few transactions in a burst, yet the write lock is never held long
#: (a send's claim and the modem's journal wait for it on SQLite).
PARTS_PER_TRANSACTION = 50


@dataclass
class InboundSummary:
    """What one pass did: parts stored, duplicates skipped, messages received, undecodable PDUs."""

    stored: int = 0
    duplicates: int = 0
    received: int = 0
    undecodable: int = 0


class InboundService:
    """Turn journaled received SMS into messages; list and read them for the API."""

    def __init__(
        self,
        *,
        config: GatewayConfig,
        inbox: InboxRepository,
        store: InboundRepository,
        queries: InboundQueries,
        matcher: SenderMatcher,
        directory: DirectoryService,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._config = config
        self._inbox = inbox
        self._store = store
        self._queries = queries
        self._matcher = matcher
        self._directory = directory
        self._clock = clock
        self._policy = _policy(config)
        self._received_listeners: list[Callable[[], None]] = []
        self._queued_listeners: list[Callable[[], None]] = []

    def add_received_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after a pass in which messages were received (webhooks wake up)."""
        self._received_listeners.append(listener)

    def add_queued_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after a keyword queued a reply (the workers wake up)."""
        self._queued_listeners.append(listener)

    async def process_pending(self, modem_id: str | None = None) -> InboundSummary:
        """Store every pending journaled SMS (of one modem, or all), oldest first."""
        summary = InboundSummary()
        results: list[PartResult] = []
        after = 0
        while entries := await self._inbox.pending(
            PduKind.DELIVER, modem_id=modem_id, after_id=after, limit=PARTS_PER_TRANSACTION
        ):
            batch = await self._decoded(entries, summary)
            results += await self._store_batch(batch)
            after = entries[-1].id
        for result in results:
            if result.outcome is InboxOutcome.DUPLICATE:
                summary.duplicates += 1
                logger.info("a received SMS part was read again; stored once")
            elif result.outcome is InboxOutcome.APPLIED:
                summary.stored += 1
                summary.received += result.received
                self._after_keyword(result)
        if summary.received:
            self._tell(self._received_listeners)
        if any(result.reply_message_id is not None for result in results):
            self._tell(self._queued_listeners)
        return summary

    async def _decoded(
        self, entries: Sequence[InboxEntry], summary: InboundSummary
    ) -> list[tuple[NewPart, SenderMatch]]:
        """Decode and match each entry; settle the undecodable ones (kept in the journal)."""
        matches: dict[tuple[str, SenderType], SenderMatch] = {}
        batch: list[tuple[NewPart, SenderMatch]] = []
        for entry in entries:
            try:
                part = decode_received(entry.pdu)
            except PduError:
                if await self._inbox.settle(entry.id, InboxOutcome.UNDECODABLE, now=self._clock()):
                    summary.undecodable += 1
                    logger.error("%s: a received SMS cannot be decoded; kept in the inbox (id %s)",
                                 entry.modem_id, entry.id)  # fmt: skip
                continue
            key = (part.sender, part.sender_type)
            if key not in matches:
                matches[key] = await self._matcher.match(part.sender, part.sender_type)
            batch.append((_new_part(entry, part), matches[key]))
        return batch

    async def _store_batch(self, batch: Sequence[tuple[NewPart, SenderMatch]]) -> list[PartResult]:
        """Store a batch in one transaction; if that fails, part by part.

        A part the store refuses on its own stays pending (logged, tried again on the next pass);
        it never keeps the others from being stored.
        """
        if not batch:
            return []
        store = partial(self._store.record_parts, now=self._clock(), assemble=assemble, policy=self._policy)
        try:
            return await store(batch)
        except StoreError:
            if len(batch) == 1:
                raise
            logger.warning(
                "storing %d received SMS parts together failed; storing them one by one", len(batch)
            )
        results: list[PartResult] = []
        for part, match in batch:
            try:
                results += await store([(part, match)])
            except StoreError as exc:
                logger.error("%s: received SMS (inbox id %s) could not be stored; kept for the next pass: %s",
                             part.modem_id, part.entry_id, exc)  # fmt: skip
        return results

    def _after_keyword(self, result: PartResult) -> None:
        if result.changed is not None:
            self._directory.forget(result.changed.kind, result.changed.entry_id)
            logger.info("%s %s changed its SMS opt-out by received message %s", result.changed.kind,
                        result.changed.entry_id, result.inbound_id)  # fmt: skip
        if result.reply_message_id is not None:
            logger.info("reply %s queued for received message %s", result.reply_message_id, result.inbound_id)

    async def expire_partial(self) -> list[int]:
        """Show messages still missing parts after the concatenation timeout as incomplete."""
        now = self._clock()
        cutoff = now - timedelta(seconds=self._config.inbound.concat_timeout_seconds)
        expired = await self._store.expire_partial(older_than=cutoff, now=now, assemble=assemble)
        if expired:
            logger.info(
                "%d received message(s) still missing parts after the timeout: incomplete", len(expired)
            )
            self._tell(self._received_listeners)
        return expired

    def _tell(self, listeners: Sequence[Callable[[], None]]) -> None:
        for listener in listeners:
            listener()

    async def get(self, inbound_id: int) -> InboundDetail:
        """One received message with its missing parts. :raises MessageNotFoundError:."""
        return await self._queries.get_detail(inbound_id)

    async def view(self, inbound_id: int) -> InboundView:
        """One received message without details (webhook payloads). :raises MessageNotFoundError:."""
        return await self._queries.get(inbound_id)

    async def list(self, query: InboundQuery) -> InboundPage:
        """One page of received messages, newest first.

        :raises ValidationError: a limit outside 1-500, both clientId and staffId, naive times.
        """
        check_list_filters(
            limit=query.limit, max_limit=MAX_LIST_LIMIT, client_id=query.client_id, staff_id=query.staff_id,
            window={"receivedFrom": query.received_from, "receivedTo": query.received_to},
        )  # fmt: skip
        return await self._queries.list_page(query)


def _policy(config: GatewayConfig) -> KeywordPolicy:
    inbound = config.inbound
    replies = None
    if inbound.confirm_keywords:
        validity = timedelta(hours=config.dispatch.validity_hours)
        replies = {
            keyword: ReplyPlan(text=text, parts_total=count_parts(text), validity=validity)
            for keyword, text in (
                (Keyword.OPT_OUT, inbound.opt_out_reply),
                (Keyword.OPT_IN, inbound.opt_in_reply),
            )
        }
    return KeywordPolicy(opt_out=inbound.opt_out_words, opt_in=inbound.opt_in_words, replies=replies)


def _new_part(entry: InboxEntry, part: ReceivedPart) -> NewPart:
    concat = part.concat
    digest = hashlib.sha256(bytes([part.dcs]) + part.payload).hexdigest()[:16]
    return NewPart(
        entry_id=entry.id, modem_id=entry.modem_id, sender=part.sender, sender_type=part.sender_type,
        scts=part.scts, concat_ref=concat.reference if concat else 0,
        concat_bits=concat.bits if concat else 0, parts_total=concat.total if concat else 1,
        seq=concat.seq if concat else 1, digest=digest, encoding=part.encoding, payload=part.payload,
        read_at=entry.read_at,
    )  # fmt: skip


def assemble(
    parts: Sequence[tuple[int, PayloadEncoding, bytes]], total: int
) -> tuple[str | None, str | None]:
    """Join the parts present into ``(text, data_hex)``; a missing part of a text shows as ``…``.

    Runs of consecutive parts in one alphabet are joined *before* decoding, so an escape pair or a
    surrogate pair split across two parts comes out whole. 8-bit data has no text: its parts'
    bytes are joined and shown as hex.
    """
    if any(encoding is PayloadEncoding.DATA for _, encoding, _ in parts):
        return None, b"".join(payload for _, _, payload in parts).hex().upper()
    present = {seq: (encoding, payload) for seq, encoding, payload in parts}
    pieces: list[str] = []
    run: list[bytes] = []
    run_encoding: PayloadEncoding | None = None
    for seq in range(1, total + 1):
        encoding, payload = present.get(seq, (None, b""))
        if encoding is not run_encoding and run_encoding is not None:
            pieces.append(payload_text(run_encoding, b"".join(run)) or "")
            run = []
        if encoding is None:
            pieces.append(GAP)
        else:
            run.append(payload)
        run_encoding = encoding
    if run_encoding is not None:
        pieces.append(payload_text(run_encoding, b"".join(run)) or "")
    return "".join(pieces), None
