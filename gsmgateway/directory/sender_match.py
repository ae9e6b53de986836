"""Who sent a received SMS: the directory entries whose number is the sender's, never a guess.

The sender is normalised once (:func:`gsmgateway.core.inbound.sender_number`, which uses
``normalise_number``) and compared with the normalised numbers of the local directory. When the
Fineract lookup is enabled, Fineract's client search by number is asked too (``GET /search``, the
only number search Fineract has: clients, not staff); a client the local table knows is taken from
the local table, which wins over Fineract as it does for sending. One candidate is a match;
several are reported as ambiguous by the caller. Fineract's answers are cached per number for the
directory's ``cache_ttl_seconds``; a Fineract failure leaves only the local candidates (logged).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from gsmgateway.core.config_sections import DirectoryConfig
from gsmgateway.core.errors import DirectoryError, InvalidNumberError
from gsmgateway.core.inbound import Candidate, SenderMatch, SenderType, sender_number
from gsmgateway.core.numbers import mask_number, normalise_number
from gsmgateway.core.records import RecipientKind
from gsmgateway.directory.fineract_client import FineractClient
from gsmgateway.store.directory_entries import DirectoryRepository

logger = logging.getLogger(__name__)
_MAX_CACHED = 10_000


class SenderMatcher:
    """Match a sender to local directory entries and, when enabled, Fineract clients."""

    def __init__(
        self,
        repository: DirectoryRepository,
        config: DirectoryConfig,
        *,
        fineract: FineractClient | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repository = repository
        self._config = config
        self._fineract = fineract
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, tuple[Candidate, ...]]] = {}

    async def match(self, sender: str, sender_type: SenderType) -> SenderMatch:
        """Return the candidates for ``sender`` (none for a name or what is not a number)."""
        number = sender_number(sender, sender_type, default_country_code=self._config.default_country_code)
        if number is None:
            return SenderMatch(number=None, candidates=())
        local = await self._repository.find_by_mobile(number)
        candidates = [
            Candidate(kind=e.kind, entry_id=e.entry_id, source="local", mobile=number) for e in local
        ]
        if self._fineract is not None:
            remote = await self._fineract_candidates(number)
            if remote:
                known = await self._repository.get_many([(c.kind, c.entry_id) for c in remote])
                candidates += [c for c in remote if (c.kind, c.entry_id) not in known]
        return SenderMatch(number=number, candidates=tuple(candidates))

    async def _fineract_candidates(self, number: str) -> tuple[Candidate, ...]:
        cached = self._cache.get(number)
        now = self._monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        assert self._fineract is not None  # noqa: S101 - only called when Fineract is configured
        try:
            people = await self._fineract.search_clients(self._search_term(number))
        except DirectoryError as exc:
            logger.warning("Fineract search for sender %s failed (%s); local directory only",
                           mask_number(number), exc)  # fmt: skip
            return ()
        found = tuple(
            Candidate(kind=RecipientKind.CLIENT, entry_id=person.entry_id, source="fineract", mobile=number)
            for person in people
            if person.mobile is not None and self._normalised(person.mobile) == number
        )
        if len(self._cache) >= _MAX_CACHED:
            self._cache.clear()
        self._cache[number] = (now + self._config.cache_ttl_seconds, found)
        return found

    def _search_term(self, number: str) -> str:
        """Return the digits every stored form of ``number`` contains (no country code when it is ours).

        Fineract stores numbers as typed (``0712…``, ``712…``, ``255712…``, ``+255712…``); the
        national significant number is a substring of each.
        """
        country = self._config.default_country_code
        if country and number.startswith("+" + country):
            return number[1 + len(country) :]
        return number[1:]

    def _normalised(self, mobile: str) -> str | None:
        try:
            return normalise_number(mobile, default_country_code=self._config.default_country_code)
        except InvalidNumberError:
            return None
