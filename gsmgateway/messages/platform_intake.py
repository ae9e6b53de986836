"""Rows a platform posts with numbers it resolved itself (Fineract): every row is stored, none is lost.

Fineract marks its rows "waiting" before it posts them, never posts a row again, and polls each
row's status until the gateway gives a final one (reference/fineract-gateway-contract.md,
"Corrections"). So nothing a row carries may make it vanish:

* a row the gateway cannot send — no or an unreadable number, a number that opted out, a text that
  is empty or needs more parts than allowed — is stored ``failed`` with its reason, which the
  report hands back to Fineract as ``errorMessage``; it never reaches a modem;
* a row over its number's limit is *deferred*: stored ``queued`` with the number's next slot as
  ``not_before`` (and its validity counted from there), never refused;
* a row posted again (same tenant and ``internalId``) is the first row: never a second SMS.

This is the only way a raw number enters the gateway; the public ``/sms`` API takes ids only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.errors import BatchValidationError, ConflictError, InvalidNumberError, ValidationError
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.numbers import mask_number, normalise_number
from gsmgateway.core.records import MessageView, RecipientKind
from gsmgateway.directory.service import DirectoryService
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.message_service import MessageService
from gsmgateway.messages.submission import check_text, fingerprint
from gsmgateway.modem.sms import count_parts as _count_parts
from gsmgateway.store.queries import MessageQueries
from gsmgateway.store.writer import NewMessage, SubmitWriter

_REASON_LENGTH = 200  # messages.status_reason


@dataclass(frozen=True)
class PlatformRow:
    """One posted row as the compatibility API read it; a field is None when absent or not text."""

    external_id: str | None  # the row's key (tenant and internalId); None when it has no internalId
    mobile: str | None
    text: str | None


class RowFate(StrEnum):
    """What became of one posted row."""

    QUEUED = "queued"  # stored, to be sent now
    DEFERRED = "deferred"  # stored, over its number's limit: queued for a later slot
    REFUSED = "refused"  # stored ``failed`` with its reason; never sent
    REPLAYED = "replayed"  # posted before: the first row stands, nothing new is stored
    CONFLICT = "conflict"  # posted before with another number or text: the first row stands


@dataclass(frozen=True)
class RowResult:
    """One row's fate, the stored message it is (None only for a conflict) and why, if refused."""

    fate: RowFate
    view: MessageView | None
    reason: str | None = None


class PlatformIntake:
    """Store every row of a platform's post, as the module docstring says."""

    def __init__(
        self,
        *,
        config: GatewayConfig,
        service: MessageService,
        writer: SubmitWriter,
        queries: MessageQueries,
        directory: DirectoryService,
        clock: Callable[[], datetime] = utc_now,
        count_parts: Callable[[str], int] = _count_parts,
    ) -> None:
        self._config = config
        self._service = service
        self._writer = writer
        self._queries = queries
        self._directory = directory
        self._clock = clock
        self._count_parts = count_parts
        self._validity = timedelta(hours=config.dispatch.validity_hours)

    async def accept(self, rows: Sequence[PlatformRow], *, caller: Caller) -> list[RowResult]:
        """Store every row (one transaction for the new ones); return each row's fate, in order.

        :raises StoreError: the store failed; nothing of this post was stored.
        """
        now = self._clock()
        keys = [f"x:{row.external_id}" if row.external_id else None for row in rows]
        prints = [fingerprint(row.text or "", RecipientKind.NUMBER, row.mobile or "", None, row.external_id)
                  for row in rows]  # fmt: skip
        stored = await self._queries.find_by_idempotency_keys(caller.key_id, [k for k in keys if k])
        results: list[RowResult | None] = [None] * len(rows)
        fresh: list[tuple[int, NewMessage, RowFate]] = []
        first_of: dict[str, int] = {}
        for index, (row, key) in enumerate(zip(rows, keys, strict=True)):
            if key is not None and key in stored:
                first_view, stored_print = stored[key]
                results[index] = _replay(first_view, same=stored_print == prints[index])
            elif key is not None and key in first_of:
                continue  # the same row twice in one post: settled once the first is stored
            else:
                if key is not None:
                    first_of[key] = index
                new, fate = await self._prepare(row, key, prints[index], caller, now)
                fresh.append((index, new, fate))
        views = await self._store([new for _, new, _ in fresh])
        for (index, new, fate), view in zip(fresh, views, strict=True):
            results[index] = (
                RowResult(fate, view, new.status_reason)
                if view
                else RowResult(RowFate.CONFLICT, None, "posted at the same time with another number or text")
            )
        for index, key in enumerate(keys):
            if results[index] is None and key is not None:
                first = results[first_of[key]]
                assert first is not None  # noqa: S101 - every first row has its result by now
                results[index] = _replay(first.view, same=prints[index] == prints[first_of[key]])
        if any(fate is not RowFate.REFUSED for _, _, fate in fresh):
            self._service.wake()
        return [result for result in results if result is not None]

    async def _prepare(
        self, row: PlatformRow, key: str | None, print_: str, caller: Caller, now: datetime
    ) -> tuple[NewMessage, RowFate]:
        """Decide one new row: queued now, deferred to its number's slot, or refused with a reason."""
        number: str | None = None
        text = (row.text or "").replace("\r\n", "\n")  # a text area's line ends, not control characters
        new = NewMessage(
            recipient_kind=RecipientKind.NUMBER, recipient_id="", number=None, text=text, parts_total=0,
            not_before=now, send_at=None, expires_at=now, created_at=now, api_key_id=caller.key_id,
            idempotency_key=key, fingerprint=print_ if key else None, external_id=row.external_id,
        )  # fmt: skip
        try:
            if row.mobile is None or not row.mobile.strip():
                raise InvalidNumberError("mobileNumber is missing", field="mobileNumber")
            number = normalise_number(
                row.mobile, default_country_code=self._config.directory.default_country_code
            )
            new.number = new.recipient_id = number
            if await self._directory.is_opted_out(number):
                raise ValidationError(f"number {mask_number(number)} opted out of SMS", field="mobileNumber")
            new.parts_total = check_text(
                text, max_parts=self._config.dispatch.max_parts, count_parts=self._count_parts
            )
        except ValidationError as exc:
            new.status = MessageStatus.FAILED
            new.status_reason = f"refused: {exc}"[:_REASON_LENGTH]
            return new, RowFate.REFUSED
        pacer = await self._service.ensure_pacing()
        delay = pacer.take(number, now.timestamp())
        new.not_before = now + timedelta(seconds=delay)
        new.expires_at = new.not_before + self._validity
        if delay > 0:
            new.status_reason = f"deferred {delay:.0f} s: over the per-number limit"
        return new, RowFate.DEFERRED if delay > 0 else RowFate.QUEUED

    async def _store(self, batch: list[NewMessage]) -> list[MessageView | None]:
        """Insert in one transaction; should a key race in meanwhile, row by row (a conflict → None)."""
        if not batch:
            return []
        try:
            return list(await self._writer.insert_many(batch))
        except BatchValidationError:
            pass
        views: list[MessageView | None] = []
        for new in batch:
            try:
                inserted = await self._writer.insert(new)
            except ConflictError:
                views.append(None)
                continue
            views.append(inserted.view)
            if not inserted.created and new.number is not None and new.status is MessageStatus.QUEUED:
                (await self._service.ensure_pacing()).give_back(new.number)
        return views


def _replay(view: MessageView | None, *, same: bool) -> RowResult:
    if same:
        return RowResult(RowFate.REPLAYED, view)
    return RowResult(
        RowFate.CONFLICT, view, "posted before with another number or text; the first row stands"
    )


__all__ = ["PlatformIntake", "PlatformRow", "RowFate", "RowResult"]
