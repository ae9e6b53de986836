"""The directory: numbers normalised once, local entries, opt-outs, Fineract lookup, TTL cache, CSV import."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import event

from gsmgateway.core.config_sections import DirectoryConfig, FineractConfig
from gsmgateway.core.errors import DirectoryError, InvalidNumberError, RecipientError, ValidationError
from gsmgateway.core.numbers import mask_number, normalise_number
from gsmgateway.core.records import RecipientKind, ResolvedRecipient
from gsmgateway.directory.csvimport import import_csv
from gsmgateway.directory.fineract_client import FineractClient
from gsmgateway.directory.service import DirectoryService
from gsmgateway.store.db import Database, open_database
from gsmgateway.store.directory_entries import DirectoryRepository

C, S = RecipientKind.CLIENT, RecipientKind.STAFF


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+255 712 345 678", "+255712345678"),
        ("00255-712-345-678", "+255712345678"),
        ("0712345678", "+255712345678"),
        ("255712345678", "+255712345678"),
        ("(0712) 345.678", "+255712345678"),
    ],
)
def test_numbers_are_normalised_to_plus_digits(raw: str, expected: str) -> None:
    assert normalise_number(raw, default_country_code="255") == expected


@pytest.mark.parametrize(
    "raw", ["", "+", "12345", "+1234567890123456", "07123abc78", "+٢٥٥٧١٢٣٤٥٦٧٨", "\x00"]
)
def test_bad_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidNumberError):
        normalise_number(raw, default_country_code="255")


def test_national_number_needs_a_country_code() -> None:
    with pytest.raises(InvalidNumberError, match=r"set directory\.default_country_code"):
        normalise_number("0712345678")


def test_mask_keeps_last_digits() -> None:
    assert mask_number("+255712345678") == "+*********678"
    assert mask_number("12") == "12"


class Ticker:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    yield database
    await database.close()


def _service(database: Database, ticker: Ticker, fineract: FineractClient | None = None) -> DirectoryService:
    config = DirectoryConfig(default_country_code="255", cache_ttl_seconds=60)
    return DirectoryService(DirectoryRepository(database), config, fineract=fineract, monotonic=ticker)


async def test_local_entries_resolve_with_their_reasons(database: Database) -> None:
    directory = _service(database, Ticker())
    entry = await directory.put(C, "12", mobile="0712 345 678", opted_out=False, name="Asha")
    assert entry.mobile == "+255712345678"
    assert (await directory.get(C, "12")).name == "Asha"
    resolved = await directory.resolve(C, "12")
    assert (resolved.number, resolved.source) == ("+255712345678", "local")
    await directory.put(C, "13", mobile="+255712000000", opted_out=True, name=None)
    await directory.put(S, "7", mobile=None, opted_out=False, name="No phone")
    for kind, entry_id, reason, field_name in [
        (C, "13", "opted_out", "clientId"),
        (S, "7", "no_number", "staffId"),
        (C, "99", "unknown", "clientId"),
        (S, "12", "unknown", "staffId"),  # ids are per kind
    ]:
        with pytest.raises(RecipientError) as caught:
            await directory.resolve(kind, entry_id)
        assert (caught.value.reason, caught.value.field) == (reason, field_name)


async def test_changes_drop_the_cache_at_once_and_others_after_ttl(database: Database) -> None:
    ticker = Ticker()
    directory = _service(database, ticker)
    other_process = _service(database, ticker)
    await directory.put(C, "12", mobile="+255712345678", opted_out=False, name=None)
    assert (await directory.resolve(C, "12")).number == "+255712345678"
    await other_process.put(C, "12", mobile="+255712345678", opted_out=True, name=None)
    assert (await directory.resolve(C, "12")).number == "+255712345678"  # still cached here
    ticker.now += 61
    with pytest.raises(RecipientError, match="opted out"):
        await directory.resolve(C, "12")
    await directory.put(C, "12", mobile="+255712345678", opted_out=False, name=None)
    assert (await directory.resolve(C, "12")).number == "+255712345678"  # own change: no waiting
    await directory.delete(C, "12", changed_by="test")
    with pytest.raises(RecipientError, match="no client"):
        await directory.resolve(C, "12")
    with pytest.raises(RecipientError):
        await directory.delete(C, "12", changed_by="test")


@pytest.mark.parametrize(
    ("entry_id", "mobile"), [("", "+255712345678"), ("a b", "+255712345678"), ("12", "abc")]
)
async def test_bad_entries_are_refused_and_not_stored(database: Database, entry_id: str, mobile: str) -> None:
    directory = _service(database, Ticker())
    with pytest.raises(ValidationError):
        await directory.put(C, entry_id, mobile=mobile, opted_out=False, name=None)
    assert await DirectoryRepository(database).get(C, entry_id) is None


@dataclass
class FakeFineract:
    """A real HTTP server answering like Fineract's /clients and /staff endpoints."""

    people: dict[str, dict[str, Any]]
    requests: list[web.Request] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(request)
        key = f"{request.match_info['kind']}/{request.match_info['id']}"
        if key == "clients/500":
            return web.Response(status=500, text="boom")
        if key == "clients/garbage":
            return web.Response(text="<html>")
        if key == "clients/silent":
            await asyncio.Event().wait()  # never answers: the client's deadline must end it
        if key not in self.people:
            return web.json_response({"developerMessage": "not found"}, status=404)
        return web.json_response(self.people[key])


@pytest.fixture
async def fineract() -> AsyncIterator[tuple[FakeFineract, FineractClient]]:
    fake = FakeFineract(
        {
            "clients/21": {"id": 21, "displayName": "Dina", "mobileNo": "0754111222"},
            "clients/22": {"id": 22, "displayName": "Eli"},
            "clients/23": {"id": 23, "displayName": "Fay", "mobileNo": "N/A"},
            "clients/24": {"id": 24, "displayName": "Gus", "mobileNo": "712345678"},  # as typed: no trunk 0
            "staff/3": {"id": 3, "displayName": "Officer", "mobileNo": "+255700000003"},
        }
    )
    app = web.Application()
    app.router.add_get("/api/v1/{kind}/{id}", fake.handle)
    server = TestServer(app, port=0)
    await server.start_server()
    config = FineractConfig(
        enabled=True,
        base_url=str(server.make_url("/api/v1")),
        username="mifos",
        password="pw",
        tenant="branch1",
    )
    client = FineractClient(config)
    try:
        yield fake, client
    finally:
        await client.close()
        await server.close()


async def test_fineract_lookup_with_auth_tenant_and_cache(
    database: Database, fineract: tuple[FakeFineract, FineractClient]
) -> None:
    fake, client = fineract
    directory = _service(database, Ticker(), client)
    resolved = await directory.resolve(C, "21")
    assert (resolved.number, resolved.source) == ("+255754111222", "fineract")
    await directory.resolve(C, "21")
    assert len(fake.requests) == 1  # cached
    request = fake.requests[0]
    assert request.headers["Fineract-Platform-TenantId"] == "branch1"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"mifos:pw").decode()
    assert (await directory.resolve(S, "3")).number == "+255700000003"
    with pytest.raises(RecipientError) as caught:
        await directory.resolve(C, "22")
    assert caught.value.reason == "no_number"
    with pytest.raises(RecipientError) as caught:
        await directory.resolve(C, "404")
    assert caught.value.reason == "unknown"


async def test_fineract_numbers_are_read_by_national_plan_and_a_non_number_says_so(
    database: Database, fineract: tuple[FakeFineract, FineractClient]
) -> None:
    _, client = fineract
    directory = _service(database, Ticker(), client)
    assert (await directory.resolve(C, "24")).number == "+255712345678"  # not +712345678
    with pytest.raises(RecipientError) as caught:
        await directory.resolve(C, "23")
    assert caught.value.reason == "invalid_number"
    assert "cannot be used" in str(caught.value)
    assert "no mobile number" not in str(caught.value)


async def test_a_fineract_lookup_timeout_says_what_happened(
    database: Database, fineract: tuple[FakeFineract, FineractClient]
) -> None:
    fake, client = fineract
    slow = FineractClient(replace(client._config, timeout_seconds=0.2))
    try:
        with pytest.raises(DirectoryError, match=r"no answer within 0\.2 s \(fineract\.timeout_seconds\)"):
            await _service(database, Ticker(), slow).resolve(C, "silent")
    finally:
        await slow.close()
    assert len(fake.requests) == 1


async def test_local_opt_out_wins_over_fineract(
    database: Database, fineract: tuple[FakeFineract, FineractClient]
) -> None:
    fake, client = fineract
    directory = _service(database, Ticker(), client)
    await directory.put(C, "21", mobile="0754111222", opted_out=True, name=None)
    with pytest.raises(RecipientError, match="opted out"):
        await directory.resolve(C, "21")
    assert fake.requests == []


@pytest.mark.parametrize("entry_id", ["500", "garbage"])
async def test_fineract_failures_are_directory_errors_and_not_cached(
    database: Database, fineract: tuple[FakeFineract, FineractClient], entry_id: str
) -> None:
    fake, client = fineract
    directory = _service(database, Ticker(), client)
    for _ in range(2):
        with pytest.raises(DirectoryError):
            await directory.resolve(C, entry_id)
    assert len(fake.requests) == 2


async def test_unreachable_fineract_is_a_directory_error(database: Database) -> None:
    client = FineractClient(
        FineractConfig(enabled=True, base_url="http://127.0.0.1:1/api", timeout_seconds=2)
    )
    try:
        with pytest.raises(DirectoryError, match="failed"):
            await _service(database, Ticker(), client).resolve(C, "1")
    finally:
        await client.close()


async def test_csv_import_is_all_or_nothing(database: Database) -> None:
    directory = _service(database, Ticker())
    good = "kind,id,mobile,opted_out,name\nclient,12,0712345678,,Asha\nstaff,7,+255700000007,true,Bo\n"
    assert await import_csv(directory, good) == 2
    assert (await directory.get(S, "7")).opted_out is True
    bad = (
        "kind,id,mobile\n"
        "client,30,0712345000\n"
        "alien,31,0712345001\n"
        "client,32,not-a-number\n"
        "client,30,0712345002\n"
        "client,33,0712345003,extra\n"
    )
    with pytest.raises(ValidationError) as caught:
        await import_csv(directory, bad)
    message = str(caught.value)
    for line in ("line 3", "line 4", "line 5", "line 6"):
        assert line in message
    assert "line 2:" not in message
    assert await DirectoryRepository(database).get(C, "30") is None
    with pytest.raises(ValidationError, match="missing"):
        await import_csv(directory, "id,mobile\n1,+255712345678\n")


async def test_concurrent_first_lookups_share_one_request(
    database: Database, fineract: tuple[FakeFineract, FineractClient]
) -> None:
    fake, client = fineract
    directory = _service(database, Ticker(), client)
    answers = await asyncio.gather(*(directory.resolve(C, "21") for _ in range(20)))
    assert {a.number for a in answers} == {"+255754111222"}
    assert len(fake.requests) == 1


async def test_concurrent_lookups_of_different_people_share_few_queries(
    database: Database, fineract: tuple[FakeFineract, FineractClient]
) -> None:
    _, client = fineract
    directory = _service(database, Ticker(), client)
    for n in range(60):
        await directory.put(C, f"L{n}", mobile=f"+2557120000{n:02d}", opted_out=n == 7, name=None)
    selects: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "directory_entries" in statement:
            selects.append(statement)

    event.listen(database.read.sync_engine, "before_cursor_execute", record)
    try:
        keys = [*(f"L{n}" for n in range(60)), "21", "404", "500"]
        outcomes = await asyncio.gather(*(directory.resolve(C, k) for k in keys), return_exceptions=True)
    finally:
        event.remove(database.read.sync_engine, "before_cursor_execute", record)
    by_key = dict(zip(keys, outcomes, strict=True))
    assert all(isinstance(by_key[f"L{n}"], ResolvedRecipient) for n in range(60) if n != 7)
    assert by_key["L3"] == ResolvedRecipient(kind=C, entry_id="L3", number="+255712000003", source="local")
    assert [getattr(by_key[k], "reason", None) for k in ("L7", "404")] == ["opted_out", "unknown"]
    assert by_key["21"] == ResolvedRecipient(kind=C, entry_id="21", number="+255754111222", source="fineract")
    assert isinstance(by_key["500"], DirectoryError)  # Fineract failed for this one only
    assert 1 <= len(selects) <= 3  # not one query per person
    with pytest.raises(DirectoryError):  # a failure is not cached: the next call asks again
        await directory.resolve(C, "500")
    await directory.close()


async def test_resolve_many_answers_every_key_with_one_local_query(
    database: Database, fineract: tuple[FakeFineract, FineractClient]
) -> None:
    fake, client = fineract
    directory = _service(database, Ticker(), client)
    await directory.put(C, "1", mobile="+255712000001", opted_out=False, name=None)
    await directory.put(C, "2", mobile="+255712000002", opted_out=True, name=None)
    answers = await directory.resolve_many([(C, "1"), (C, "2"), (C, "21"), (C, "404"), (C, "500"), (C, "1")])
    assert answers[(C, "1")] == await directory.resolve(C, "1")
    opted_out, from_fineract = answers[(C, "2")], answers[(C, "21")]
    assert isinstance(opted_out, RecipientError)
    assert opted_out.reason == "opted_out"
    assert isinstance(from_fineract, ResolvedRecipient)
    assert (from_fineract.number, from_fineract.source) == ("+255754111222", "fineract")
    assert isinstance(answers[(C, "404")], RecipientError)
    assert isinstance(answers[(C, "500")], DirectoryError)
    assert len(answers) == 5
    before = len(fake.requests)
    again = await directory.resolve_many([(C, "21"), (C, "404")])  # cached now
    assert len(fake.requests) == before
    assert again[(C, "21")] == answers[(C, "21")]
