"""The real stack behind the API tests: a SQLite file in tmp_path, the real service and directory.

No fake service and no in-memory store: every test talks HTTP to ``create_app`` over a real socket
(``aiohttp_client``), and what it asserts about the store it reads back from the database file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gsmgateway.api import create_app
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import LimitsConfig
from gsmgateway.core.credentials import generate_key, hash_key
from gsmgateway.core.records import ModemStatusView, RecipientKind
from gsmgateway.directory.service import DirectoryService
from gsmgateway.messages.dispatch import DispatchService
from gsmgateway.messages.message_service import MessageService
from gsmgateway.store import Database
from gsmgateway.wiring import Services, open_services

ALL = "sms:send,sms:read,sms:read-numbers,directory:write,inbound:read"


class StoredModems:
    """The modem status provider read from the store's modem table (what the workers write)."""

    def __init__(self, dispatch: DispatchService) -> None:
        self.dispatch = dispatch

    async def modem_statuses(self) -> list[ModemStatusView]:
        return await self.dispatch.list_modems()


@dataclass
class Stack:
    """Everything a test needs: the client, the store file, and helpers to make keys and people."""

    client: TestClient[Any, Any]
    db_path: Path
    services: Services
    clock: list[float]

    @property
    def database(self) -> Database:
        return self.services.database

    @property
    def service(self) -> MessageService:
        return self.services.messages

    @property
    def directory(self) -> DirectoryService:
        return self.services.directory

    @property
    def dispatch(self) -> DispatchService:
        return self.services.dispatch

    async def key(self, scopes: str, name: str = "platform") -> dict[str, str]:
        """Create an API key with ``scopes``; return the Authorization header that carries it."""
        key = generate_key()
        await self.services.api_keys.create(
            name=name, key_hash=hash_key(key), scopes=frozenset(scopes.split(",")), now=datetime.now(UTC)
        )
        return {"Authorization": f"Bearer {key}"}

    async def person(
        self,
        entry_id: str,
        mobile: str | None = "+255712345678",
        *,
        kind: str = "client",
        opted_out: bool = False,
    ) -> None:
        """Put a client or staff member into the local directory."""
        await self.directory.put(RecipientKind(kind), entry_id, mobile=mobile, opted_out=opted_out, name=None)

    def counts(self) -> dict[str, int]:
        """Row counts of every table a refused request must leave alone."""
        with sqlite3.connect(self.db_path) as conn:
            tables = ("messages", "message_events", "message_parts", "directory_entries")
            return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608


StackFactory = Callable[..., Any]


@pytest.fixture
async def make_stack(tmp_path: Path, aiohttp_client: Any) -> AsyncIterator[Callable[..., Any]]:
    """Build a stack; keyword arguments replace sections of the default config (e.g. limits=…)."""
    opened: list[Services] = []

    async def build(**sections: Any) -> Stack:
        state_dir = tmp_path / f"state{len(opened)}"
        config = GatewayConfig(
            state_dir=str(state_dir),
            limits=sections.pop("limits", LimitsConfig(per_key_per_second=0, per_recipient_per_hour=0)),
            **sections,
        )
        services = await open_services(config)
        opened.append(services)
        clock = [1000.0]
        provider = StoredModems(services.dispatch)
        app = create_app(
            services.messages, services.directory, authenticate=services.authenticator.authenticate,
            modems=provider, inbound=services.inbound, config=config,
            clock=lambda: clock[0],
        )  # fmt: skip
        client = await aiohttp_client(app)
        return Stack(client, state_dir / "gsmgateway.db", services, clock)

    yield build
    for services in opened:
        await services.close()


@pytest.fixture
async def stack(make_stack: Callable[..., Any]) -> Stack:
    """Build the default stack: no rate limits, one client (12) and one staff member (7) with numbers."""
    built: Stack = await make_stack()
    await built.person("12")
    await built.person("7", "+255700000007", kind="staff")
    return built
