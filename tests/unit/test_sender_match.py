"""Who sent an SMS: local entries by normalised number, Fineract clients by its search, never a guess.

The fake Fineract answers ``GET /search`` as ``SearchApiResource.searchData`` does (apache/fineract
4198b0b, ``SearchReadPlatformServiceImpl``): clients whose account number, display name, external id
or ``mobile_no`` is ``LIKE %query%``, at most 50, as ``SearchData`` objects (``entityId``,
``entityType`` ``"CLIENT"``, ``entityMobileNo`` exactly as stored …). It models that SQL, not our
client: the matcher must cope with numbers stored as typed and with rows that match on something else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from gsmgateway.core.config_sections import DirectoryConfig, FineractConfig
from gsmgateway.core.inbound import MatchStatus, SenderType
from gsmgateway.core.records import RecipientKind
from gsmgateway.directory.fineract_client import FineractClient
from gsmgateway.directory.sender_match import SenderMatcher
from gsmgateway.directory.service import DirectoryService
from gsmgateway.store.db import Database, open_database
from gsmgateway.store.directory_entries import DirectoryRepository

CONFIG = DirectoryConfig(default_country_code="255", cache_ttl_seconds=60)


@dataclass
class FakeFineractSearch:
    """Fineract's client search over a small ``m_client`` table."""

    clients: list[dict[str, Any]]
    queries: list[dict[str, str]] = field(default_factory=list)
    failing: bool = False

    async def handle(self, request: web.Request) -> web.Response:
        self.queries.append(dict(request.query))
        if self.failing:
            return web.Response(status=503, text="down")
        query = request.query["query"]
        exact = request.query.get("exactMatch") == "true"
        found = [
            {"entityId": c["id"], "entityAccountNo": c["account_no"], "entityExternalId": None,
             "entityName": c["display_name"], "entityType": "CLIENT", "parentId": 1,
             "parentName": "Head Office", "entityMobileNo": c["mobile_no"],
             "entityStatus": {"id": 300, "code": "clientStatusType.active"}}
            for c in self.clients
            if any((value == query) if exact else (query in (value or ""))
                   for value in (c["account_no"], c["display_name"], c["mobile_no"]))
        ]  # fmt: skip
        return web.json_response(found[:50])


@dataclass
class Setup:
    matcher: SenderMatcher
    directory: DirectoryService
    fake: FakeFineractSearch
    ticks: list[float]


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    fake = FakeFineractSearch(
        [
            {"id": 21, "account_no": "000000021", "display_name": "Dina", "mobile_no": "0754111222"},
            {"id": 22, "account_no": "000000022", "display_name": "Eli", "mobile_no": "255754333444"},
            {"id": 23, "account_no": "000000023", "display_name": "Fay", "mobile_no": "+255754333444"},
            {"id": 26, "account_no": "000000026", "display_name": "Ida", "mobile_no": "0754 999 000"},
            {"id": 24, "account_no": "754555666", "display_name": "Gus", "mobile_no": "0711000000"},
            {"id": 25, "account_no": "000000025", "display_name": "Hal", "mobile_no": "0754777888"},
        ]
    )
    app = web.Application()
    app.router.add_get("/api/v1/search", fake.handle)
    server = TestServer(app, port=0)
    await server.start_server()
    client = FineractClient(
        FineractConfig(enabled=True, base_url=str(server.make_url("/api/v1")), tenant="t")
    )
    database: Database = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    ticks = [0.0]
    entries = DirectoryRepository(database)
    matcher = SenderMatcher(entries, CONFIG, fineract=client, monotonic=lambda: ticks[0])
    directory = DirectoryService(entries, CONFIG)
    try:
        yield Setup(matcher, directory, fake, ticks)
    finally:
        await client.close()
        await server.close()
        await database.close()


async def test_a_client_stored_with_a_trunk_zero_is_found_by_its_international_number(setup: Setup) -> None:
    match = await setup.matcher.match("+255754111222", SenderType.INTERNATIONAL)
    assert match.status is MatchStatus.MATCHED
    assert match.matched is not None
    assert (match.matched.kind, match.matched.entry_id, match.matched.source) == ("client", "21", "fineract")
    assert setup.fake.queries[-1] == {"query": "754111222", "resource": "clients", "exactMatch": "false"}


async def test_a_number_two_clients_share_is_ambiguous(setup: Setup) -> None:
    match = await setup.matcher.match("+255754333444", SenderType.INTERNATIONAL)
    assert match.status is MatchStatus.AMBIGUOUS
    assert sorted(c.entry_id for c in match.candidates) == ["22", "23"]


async def test_rows_that_match_on_something_else_are_not_candidates(setup: Setup) -> None:
    match = await setup.matcher.match("+255754555666", SenderType.INTERNATIONAL)  # Gus's account number
    assert match.status is MatchStatus.UNMATCHED


async def test_a_number_stored_with_spaces_is_out_of_fineracts_reach(setup: Setup) -> None:
    # LIKE '%754999000%' does not see through "0754 999 000": unmatched, and said so, never guessed.
    assert (
        await setup.matcher.match("+255754999000", SenderType.INTERNATIONAL)
    ).status is MatchStatus.UNMATCHED


async def test_the_local_table_wins_and_counts_once(setup: Setup) -> None:
    await setup.directory.put(RecipientKind.CLIENT, "25", mobile="+255700999999", opted_out=False, name="Hal")
    assert (
        await setup.matcher.match("+255754777888", SenderType.INTERNATIONAL)
    ).status is MatchStatus.UNMATCHED
    await setup.directory.put(
        RecipientKind.CLIENT, "21", mobile="+255754111222", opted_out=False, name="Dina"
    )
    setup.ticks[0] += 61  # past the cache
    match = await setup.matcher.match("+255754111222", SenderType.INTERNATIONAL)
    assert [(c.entry_id, c.source) for c in match.candidates] == [("21", "local")]
    await setup.directory.put(
        RecipientKind.STAFF, "9", mobile="+255754111222", opted_out=False, name="Officer"
    )
    assert (
        await setup.matcher.match("+255754111222", SenderType.INTERNATIONAL)
    ).status is MatchStatus.AMBIGUOUS


async def test_answers_are_cached_and_a_failure_falls_back_to_local(setup: Setup) -> None:
    await setup.matcher.match("+255754111222", SenderType.INTERNATIONAL)
    await setup.matcher.match("+255754111222", SenderType.INTERNATIONAL)
    assert len(setup.fake.queries) == 1
    setup.fake.failing = True
    await setup.directory.put(RecipientKind.STAFF, "4", mobile="+255754000111", opted_out=False, name=None)
    match = await setup.matcher.match("+255754000111", SenderType.INTERNATIONAL)
    assert [(c.entry_id, c.source) for c in match.candidates] == [("4", "local")]


@pytest.mark.parametrize(
    ("sender", "kind", "number"),
    [
        ("MPESA", SenderType.ALPHANUMERIC, None),
        ("754111222", SenderType.NATIONAL, "+255754111222"),
        ("0754111222", SenderType.UNKNOWN, "+255754111222"),
        ("+255754111222", SenderType.INTERNATIONAL, "+255754111222"),
        ("12", SenderType.UNKNOWN, None),  # a short code is no directory number
    ],
)
async def test_sender_forms(setup: Setup, sender: str, kind: SenderType, number: str | None) -> None:
    match = await setup.matcher.match(sender, kind)
    assert match.number == number
    if number is None:
        assert setup.fake.queries == []  # nothing to ask Fineract about
