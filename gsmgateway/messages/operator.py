"""What an operator at the console may do besides reading: decide an ``unknown``, manage keys, opt-outs.

Every change names who made it: resolving an ``unknown`` writes an event whose reason carries the
signed-in key's name and id, so the message's timeline shows that a person, not the network,
decided it. The figures of the overview are counted in the branch's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.credentials import generate_key, hash_key, parse_scopes
from gsmgateway.core.errors import ValidationError
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.overview import ActivityFigures
from gsmgateway.core.records import DirectoryEntry, MessageView, RecipientKind
from gsmgateway.directory.service import DirectoryService
from gsmgateway.messages.authentication import Caller, KeyAuthenticator
from gsmgateway.messages.console_sessions import ConsoleSessions
from gsmgateway.store.api_keys import ApiKeyRepository, StoredKey
from gsmgateway.store.overview import OverviewQueries
from gsmgateway.store.queries import MessageQueries
from gsmgateway.store.repository import MessageRepository

#: How many local days the overview's chart covers, today included.
CHART_DAYS: Final = 7


def local_days(now: datetime, zone: ZoneInfo, count: int) -> tuple[list[tuple[date, datetime]], datetime]:
    """Return the last ``count`` local days (oldest first) with the UTC moment each starts, and the end.

    Days are cut at local midnight, so a day with a daylight-saving change has 23 or 25 hours.
    """
    today = now.astimezone(zone).date()
    days = [today - timedelta(days=back) for back in range(count - 1, -1, -1)]

    def start(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(now.tzinfo)

    return [(day, start(day)) for day in days], start(today + timedelta(days=1))


class OperatorService:
    """The console's use cases beyond :class:`MessageService` (which its pages use for messages)."""

    def __init__(
        self,
        *,
        config: GatewayConfig,
        authenticator: KeyAuthenticator,
        repository: MessageRepository,
        queries: MessageQueries,
        overview: OverviewQueries,
        keys: ApiKeyRepository,
        sessions: ConsoleSessions,
        directory: DirectoryService,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._authenticator = authenticator
        self._repository = repository
        self._queries = queries
        self._overview = overview
        self._keys = keys
        self._directory = directory
        self.sessions = sessions
        self.zone = ZoneInfo(config.quiet_hours.timezone)
        self._clock = clock

    def now(self) -> datetime:
        """Return the service's clock reading (pages show times relative to it)."""
        return self._clock()

    async def activity(self) -> ActivityFigures:
        """Return the queue and the last :data:`CHART_DAYS` local days' outcomes, today by modem too."""
        now = self._clock()
        days, end = local_days(now, self.zone, CHART_DAYS)
        return await self._overview.activity(days, end, now)

    async def resolve_unknown(self, message_id: int, *, sent: bool, caller: Caller) -> MessageView:
        """Record an operator's finding about an ``unknown`` message: it went out, or it did not.

        ``sent`` moves it to ``sent``: a late report may still make it delivered, and without one it
        expires after the report window like any sent message. Otherwise ``failed``, never resent.
        The event names the key that decided.

        :raises MessageNotFoundError: no such message.
        :raises StaleTransitionError: it is not ``unknown`` (any more).
        """
        now = self._clock()
        verdict = "sent" if sent else "not sent"
        await self._repository.transition(
            message_id,
            MessageStatus.UNKNOWN,
            MessageStatus.SENT if sent else MessageStatus.FAILED,
            now=now,
            reason=f"marked {verdict} by {caller.name} (key {caller.key_id})",
            values={"sent_at": now} if sent else None,
        )
        return await self._queries.get_view(message_id)

    async def list_keys(self) -> list[StoredKey]:
        """Every API key, active and revoked (hashes only)."""
        return await self._keys.list_keys()

    async def create_key(self, name: str, scopes: str) -> tuple[int, str]:
        """Create a key; return its id and the key itself, which is shown once and never stored.

        :raises ValidationError: empty or over-long name, unknown or no scope.
        """
        name = name.strip()
        if not 1 <= len(name) <= 100 or not name.isprintable():
            raise ValidationError("a key's name is 1-100 printable characters", field="name")
        wanted = parse_scopes(scopes)
        key = generate_key()
        key_id = await self._keys.create(name=name, key_hash=hash_key(key), scopes=wanted, now=self._clock())
        return key_id, key

    async def revoke_key(self, key_id: int) -> None:
        """Revoke a key now: the API refuses it at once and its console sessions end.

        :raises ValidationError: no active key has that id.
        """
        if not await self._keys.revoke(key_id, now=self._clock()):
            raise ValidationError(f"no active API key with id {key_id}", field="id")
        self._authenticator.forget_key(key_id)
        await self.sessions.end_sessions_of(key_id)

    async def set_opted_out(
        self, kind: RecipientKind, entry_id: str, *, opted_out: bool, caller: Caller
    ) -> DirectoryEntry:
        """Opt a local directory entry out of SMS (or back in), keeping its number and name.

        The directory's event names the operator's key.

        :raises RecipientError: reason ``unknown`` when the local directory has no such entry.
        """
        entry = await self._directory.get(kind, entry_id)
        return await self._directory.put(
            kind, entry_id, mobile=entry.mobile, opted_out=opted_out, name=entry.name,
            changed_by=f"operator {caller.name} (key {caller.key_id}) at the console",
        )  # fmt: skip
