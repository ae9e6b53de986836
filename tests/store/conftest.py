"""Store fixtures: every store test runs on a real SQLite file and on a real PostgreSQL.

PostgreSQL is a throwaway server this session starts on a Unix socket of its own
(``tests/store/postgres_server.py``), or the one ``TEST_POSTGRES_DSN`` names. Each test gets a fresh
schema, dropped afterwards, so the same migrations and queries are proven on both engines. Without
PostgreSQL's programs the PostgreSQL half fails: compatibility is tested, not assumed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import LimitsConfig, StoreConfig
from gsmgateway.core.records import MessageView, RecipientKind
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.message_service import SubmitRequest
from gsmgateway.store.db import Database, open_database
from gsmgateway.wiring import Services, open_services
from tests.store.postgres_server import throwaway_server

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves; every service in a test reads it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now
        self.mono = 1000.0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, delta: timedelta) -> None:
        self.now += delta
        self.mono += delta.total_seconds()


@dataclass
class StoreTarget:
    """Where a test's store lives: a URL plus the connect arguments that pick its schema."""

    engine: str
    url: str
    connect_args: dict[str, Any] = field(default_factory=dict)

    async def open(self) -> Database:
        """Open (and migrate) another independent connection pool to the same store."""
        return await open_database(self.url, connect_args=self.connect_args)


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """``TEST_POSTGRES_DSN``, or a server of this session's own (started on first use only)."""
    given = os.environ.get("TEST_POSTGRES_DSN")
    if given:
        yield given
        return
    with throwaway_server() as dsn:
        yield dsn


@pytest.fixture(params=["sqlite", "postgresql"])
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StoreTarget]:
    if request.param == "sqlite":
        yield StoreTarget("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")
        return
    dsn: str = request.getfixturevalue("postgres_dsn")
    schema = f"gwtest_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
        yield StoreTarget("postgresql", url, {"server_settings": {"search_path": schema}})
    finally:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_config(target: StoreTarget, tmp_path: Path) -> Callable[..., GatewayConfig]:
    def make(**changes: Any) -> GatewayConfig:
        base = GatewayConfig(
            state_dir=str(tmp_path),
            store=StoreConfig(url=target.url),
            limits=LimitsConfig(per_recipient_per_hour=0),
        )
        return replace(base, **changes)

    return make


OpenStack = Callable[[GatewayConfig], Awaitable[Services]]


@pytest.fixture
async def open_stack(target: StoreTarget, clock: Clock) -> AsyncIterator[OpenStack]:
    """Open services on the test's store with the test's clock; everything opened is closed."""
    opened: list[Services] = []

    async def open_(config: GatewayConfig) -> Services:
        services = await open_services(
            config, clock=clock, monotonic=clock.monotonic, connect_args=target.connect_args
        )
        opened.append(services)
        return services

    yield open_
    for services in opened:
        await services.close()


@pytest.fixture
async def stack(open_stack: OpenStack, make_config: Callable[..., GatewayConfig]) -> Services:
    services = await open_stack(make_config())
    await services.directory.put(
        RecipientKind.CLIENT, "12", mobile="+255712345678", opted_out=False, name="Asha"
    )
    await services.directory.put(
        RecipientKind.CLIENT, "13", mobile="+255712345679", opted_out=False, name="Bo"
    )
    await services.directory.put(RecipientKind.STAFF, "7", mobile="+255700000007", opted_out=False, name="Cy")
    return services


@pytest.fixture
async def caller(stack: Services, clock: Clock) -> Caller:
    scopes = frozenset({"sms:send", "sms:read"})
    key_id = await stack.api_keys.create(name="platform", key_hash="0" * 64, scopes=scopes, now=clock())
    return Caller(key_id=key_id, name="platform", scopes=scopes)


async def submit(
    stack: Services,
    caller: Caller,
    text: str = "Your loan repayment is due",
    *,
    client: str | None = "12",
    staff: str | None = None,
    send_at: datetime | None = None,
    external_id: str | None = None,
    key: str | None = None,
) -> MessageView:
    """Queue one message through the real service and return it."""
    request = SubmitRequest(text, client if staff is None else None, staff, send_at, external_id)
    view, _ = await stack.messages.submit(request, caller=caller, idempotency_key=key)
    return view
