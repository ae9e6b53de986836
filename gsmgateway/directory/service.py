"""The directory use cases: keep the local table, and resolve a client or staff id to a number.

Resolution looks in the local table first (it also carries opt-outs, which win over Fineract), then,
when configured, asks Fineract. Answers — including "unknown" and "no number" — are cached for
``cache_ttl_seconds`` so a burst of messages to one client costs one lookup; a local change drops the
cached answer for that entry at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config_sections import DirectoryConfig
from gsmgateway.core.errors import (
    DirectoryError,
    GatewayError,
    InvalidNumberError,
    RecipientError,
    ValidationError,
)
from gsmgateway.core.numbers import normalise_number
from gsmgateway.core.records import (
    DirectoryEntry,
    DirectoryEvent,
    OptedOutEntry,
    RecipientKind,
    ResolvedRecipient,
)
from gsmgateway.directory.fineract_client import FineractClient
from gsmgateway.store.directory_entries import DirectoryRepository

_Key = tuple[RecipientKind, str]
_Answer = ResolvedRecipient | RecipientError  # a RecipientError is an answer (cached), not a failure
_MAX_CACHED = 100_000
_MAX_ID_LENGTH = 64
#: Who changed an entry when the caller does not say (tests, tools); every adapter names itself.
UNNAMED = "a directory write"


def check_entry_id(entry_id: str, *, field: str | None = None) -> str:
    """Return ``entry_id`` if it can name a client or staff member (1-64 printable, no spaces).

    :raises ValidationError: empty, too long, or with spaces or control characters.
    """
    if not entry_id or len(entry_id) > _MAX_ID_LENGTH or not entry_id.isprintable() or " " in entry_id:
        raise ValidationError(
            f"{field or 'id'} must be 1-{_MAX_ID_LENGTH} printable characters without spaces",
            field=field,
            error_type="invalid_id",
        )
    return entry_id


class DirectoryService:
    """Clients and staff with their numbers; the only way a message gets a phone number."""

    def __init__(
        self,
        repository: DirectoryRepository,
        config: DirectoryConfig,
        *,
        fineract: FineractClient | None = None,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repository = repository
        self._config = config
        self._fineract = fineract
        self._clock = clock
        self._monotonic = monotonic
        self._cache: dict[_Key, tuple[float, ResolvedRecipient | RecipientError]] = {}
        self._inflight: dict[_Key, asyncio.Future[ResolvedRecipient | RecipientError]] = {}
        self._queued: dict[_Key, asyncio.Future[ResolvedRecipient | RecipientError]] = {}
        self._reader: asyncio.Future[None] | None = None
        self._changes = 0  # bumped by every local write; see resolve()
        self._opted_out: tuple[float, frozenset[str]] | None = None  # (valid until, numbers)

    async def put(
        self, kind: RecipientKind, entry_id: str, *, mobile: str | None, opted_out: bool, name: str | None,
        changed_by: str = UNNAMED,
    ) -> DirectoryEntry:  # fmt: skip
        """Create or replace an entry; the number is normalised here, once.

        A change of its opt-out is recorded as an event naming ``changed_by`` (who did it).

        :raises ValidationError: bad id; :raises InvalidNumberError: a number we cannot normalise.
        """
        entry = self.make_entry(kind, entry_id, mobile=mobile, opted_out=opted_out, name=name)
        await self._repository.put_many([entry], changed_by=changed_by)
        self._forget(kind, entry_id)
        return entry

    def make_entry(
        self,
        kind: RecipientKind,
        entry_id: str,
        *,
        mobile: str | None,
        opted_out: bool,
        name: str | None,
        field_prefix: str = "",
    ) -> DirectoryEntry:
        """Validate and normalise one entry without storing it (used by put and by the CSV import)."""
        check_entry_id(entry_id, field=f"{field_prefix}id")
        number = None
        if mobile is not None and mobile.strip():
            number = normalise_number(
                mobile, default_country_code=self._config.default_country_code, field=f"{field_prefix}mobile"
            )
        return DirectoryEntry(
            kind=kind,
            entry_id=entry_id,
            mobile=number,
            opted_out=opted_out,
            name=name or None,
            updated_at=self._clock(),
        )

    async def put_many(self, entries: Sequence[DirectoryEntry], *, changed_by: str = UNNAMED) -> int:
        """Store already validated entries in one transaction; return how many."""
        await self._repository.put_many(entries, changed_by=changed_by)
        for entry in entries:
            self._forget(entry.kind, entry.entry_id)
        return len(entries)

    async def get(self, kind: RecipientKind, entry_id: str) -> DirectoryEntry:
        """Return the local entry.

        :raises RecipientError: reason ``unknown`` when the local table has no such entry.
        """
        entry = await self._repository.get(kind, entry_id)
        if entry is None:
            raise RecipientError(f"no {kind} {entry_id!r} in the directory", reason="unknown")
        return entry

    async def opted_out_entries(self, limit: int) -> list[OptedOutEntry]:
        """Local entries opted out now, most recently opted out first (at most ``limit``)."""
        return await self._repository.opted_out_entries(limit)

    async def events(self, limit: int, *, before_id: int | None = None) -> list[DirectoryEvent]:
        """Opt-out and opt-in events, newest first: who or what made each."""
        return await self._repository.events(limit, before_id=before_id)

    async def delete(self, kind: RecipientKind, entry_id: str, *, changed_by: str) -> None:
        """Remove a local entry (``changed_by``: who, for the event that ends an opt-out's history).

        :raises RecipientError: reason ``unknown`` when there was none.
        """
        existed = await self._repository.delete(kind, entry_id, changed_by=changed_by, now=self._clock())
        self._forget(kind, entry_id)
        if not existed:
            raise RecipientError(f"no {kind} {entry_id!r} in the directory", reason="unknown")

    async def resolve(self, kind: RecipientKind, entry_id: str) -> ResolvedRecipient:
        """Return the number to send to.

        :raises RecipientError: reason ``unknown``, ``no_number`` or ``opted_out``; the ``field`` is the
            API's ``clientId`` / ``staffId``.
        :raises DirectoryError: Fineract could not be asked (not cached: the next call tries again).
        """
        key = (kind, entry_id)
        cached = self._cache.get(key)
        now = self._monotonic()
        if cached is not None and cached[0] > now:
            answer = cached[1]
        else:
            changes_before = self._changes
            answer = await self._lookup_once(key)
            if len(self._cache) >= _MAX_CACHED:
                self._cache.clear()
            if self._changes == changes_before:  # a local change meanwhile may have made it stale
                self._cache[key] = (now + self._config.cache_ttl_seconds, answer)
        if isinstance(answer, RecipientError):
            raise RecipientError(answer.message, reason=answer.reason, field=answer.field)
        return answer

    def forget(self, kind: RecipientKind, entry_id: str) -> None:
        """Drop what is cached about one entry that changed in the store directly (an opt-out keyword)."""
        self._forget(kind, entry_id)

    async def is_opted_out(self, number: str) -> bool:
        """Return whether any entry holding ``number`` (normalised) opted out of SMS.

        An opt-out belongs to the number, not to the id it was recorded under: a second id with the
        same number, or a Fineract row naming the number directly, is refused as well. The set of
        opted-out numbers is read once per ``cache_ttl_seconds`` (a local change re-reads it).
        """
        now = self._monotonic()
        cached = self._opted_out
        if cached is None or cached[0] <= now:
            numbers = await self._repository.opted_out_numbers()
            cached = self._opted_out = (now + self._config.cache_ttl_seconds, numbers)
        return number in cached[1]

    def forget_cached(self) -> None:
        """Drop every cached answer (SIGHUP): the next message to anyone asks the directory again."""
        self._changes += 1
        self._cache.clear()
        self._opted_out = None

    def _forget(self, kind: RecipientKind, entry_id: str) -> None:
        self._changes += 1
        self._opted_out = None
        self._cache.pop((kind, entry_id), None)
        self._inflight.pop((kind, entry_id), None)

    def _end_lookup(self, key: _Key, done: asyncio.Future[ResolvedRecipient | RecipientError]) -> None:
        if self._inflight.get(key) is done:  # a local change may already have replaced it
            del self._inflight[key]

    async def _lookup_once(self, key: _Key) -> ResolvedRecipient | RecipientError:
        """Look ``key`` up, sharing one lookup among its concurrent callers.

        Lookups queued while the store is being read are answered together by the next
        ``get_many`` (:meth:`_read_queued`): a burst to many new recipients costs a few queries,
        not one transaction each.
        """
        pending = self._inflight.get(key)
        if pending is None:
            pending = asyncio.get_running_loop().create_future()
            self._inflight[key] = pending
            pending.add_done_callback(lambda done: self._end_lookup(key, done))
            self._queued[key] = pending
            if self._reader is None or self._reader.done():
                self._reader = asyncio.ensure_future(self._read_queued())
        return await asyncio.shield(pending)

    async def _read_queued(self) -> None:
        """Answer queued lookups, one ``get_many`` per round, until none are left."""
        while self._queued:
            batch, self._queued = self._queued, {}
            failures: dict[_Key, Exception] = {}
            try:
                answers, failures = await self._lookup_many(list(batch))
            except asyncio.CancelledError:
                for future in batch.values():
                    future.cancel()
                raise
            except Exception as exc:  # every waiter must get an answer (a store failure, say)
                answers, failures = {}, dict.fromkeys(batch, exc)
            for key, future in batch.items():
                if future.done():
                    continue
                if key in failures:
                    future.set_exception(failures[key])
                else:
                    future.set_result(answers[key])

    async def _lookup_many(self, keys: list[_Key]) -> tuple[dict[_Key, _Answer], dict[_Key, Exception]]:
        """Look ``keys`` up locally in one query, then ask Fineract (concurrently) for the rest.

        Returns the answers, and the keys whose Fineract request failed with its error.
        """
        local = await self._repository.get_many(keys)
        answers: dict[_Key, _Answer] = {}
        failures: dict[_Key, Exception] = {}
        remote = [key for key in keys if key not in local] if self._fineract is not None else []
        for key in keys:
            if key in local or self._fineract is None:
                answers[key] = _answer(key[0], key[1], local.get(key), "local")
        fetched = await asyncio.gather(*(self._fetch(*key) for key in remote), return_exceptions=True)
        for key, outcome in zip(remote, fetched, strict=True):
            if isinstance(outcome, tuple):
                answers[key] = outcome[0]
            elif isinstance(outcome, Exception):
                failures[key] = outcome
            else:
                raise outcome  # KeyboardInterrupt and the like are not a lookup's answer
        return answers, failures

    async def _fetch(self, kind: RecipientKind, entry_id: str) -> tuple[_Answer]:
        """Ask Fineract for someone the local table does not know (a 1-tuple: raised errors stay apart)."""
        assert self._fineract is not None  # noqa: S101 - only called when Fineract is configured
        person = await self._fineract.fetch(kind, entry_id)
        if person is None:
            return (_answer(kind, entry_id, None, "local"),)
        try:
            entry = self.make_entry(kind, entry_id, mobile=person.mobile, opted_out=False, name=person.name)
        except InvalidNumberError as exc:
            field = "clientId" if kind is RecipientKind.CLIENT else "staffId"
            message = f"{kind} {entry_id!r} has a mobile number in Fineract that cannot be used: {exc}"
            return (RecipientError(message, reason="invalid_number", field=field),)
        return (_answer(kind, entry_id, entry, "fineract"),)

    async def resolve_many(self, keys: Iterable[_Key]) -> dict[_Key, ResolvedRecipient | GatewayError]:
        """Resolve every ``(kind, id)`` of a batch: one query for all local misses, not one each.

        Never raises for a single recipient: each key maps to its recipient or to the error that
        :meth:`resolve` would raise for it.
        """
        now = self._monotonic()
        answers: dict[_Key, ResolvedRecipient | GatewayError] = {}
        misses: list[_Key] = []
        for key in dict.fromkeys(keys):
            cached = self._cache.get(key)
            if cached is not None and cached[0] > now:
                answers[key] = cached[1]
            else:
                misses.append(key)
        if not misses:
            return answers
        changes_before = self._changes
        local = await self._repository.get_many(misses)
        for key in misses:
            entry = local.get(key)
            try:
                if entry is None and self._fineract is not None:
                    answer = await self._lookup_once(key)
                else:
                    answer = _answer(key[0], key[1], entry, "local")
            except DirectoryError as exc:
                answers[key] = exc  # not cached: the next request asks Fineract again
                continue
            answers[key] = answer
            if self._changes == changes_before:
                self._cache[key] = (now + self._config.cache_ttl_seconds, answer)
        return answers

    async def close(self) -> None:
        """Let queued lookups finish, then close the Fineract client, if any (idempotent)."""
        if self._reader is not None and not self._reader.done():
            await asyncio.shield(self._reader)
        if self._fineract is not None:
            await self._fineract.close()


def _answer(
    kind: RecipientKind, entry_id: str, entry: DirectoryEntry | None, source: str
) -> ResolvedRecipient | RecipientError:
    """Turn what the directory knows about one person into a number or the reason there is none."""
    field = "clientId" if kind is RecipientKind.CLIENT else "staffId"
    if entry is None:
        return RecipientError(f"no {kind} {entry_id!r} is known", reason="unknown", field=field)
    if entry.opted_out:
        return RecipientError(f"{kind} {entry_id!r} has opted out of SMS", reason="opted_out", field=field)
    if entry.mobile is None:
        return RecipientError(f"{kind} {entry_id!r} has no mobile number", reason="no_number", field=field)
    return ResolvedRecipient(kind=kind, entry_id=entry_id, number=entry.mobile, source=source)


__all__ = ["DirectoryService", "check_entry_id"]
