"""The console over real HTTP on the real stack: a SQLite file, the real services, a clock the test moves.

Cookies are handled by hand (the client keeps none), so a test says exactly which cookie each request
carries: a forged request is one whose cookie or token the test chose.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from gsmgateway.api import create_app
from gsmgateway.api.console import mount_console
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import ConsoleConfig, LimitsConfig
from gsmgateway.core.credentials import generate_key, hash_key
from gsmgateway.core.records import ModemStatusView, RecipientKind
from gsmgateway.wiring import Services, open_services
from tests.store.conftest import Clock

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SIGN_IN_TOKEN = re.compile(r'name="sign_in_token" value="([^"]+)"')
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 12:00 in Nairobi


class FixedModems:
    """A modem status provider with the statuses the test sets (the daemon passes its workers)."""

    def __init__(self) -> None:
        self.statuses: list[ModemStatusView] = []

    async def modem_statuses(self) -> list[ModemStatusView]:
        return self.statuses


@dataclass
class Page:
    """One answer: status, body text, headers and the cookies it set."""

    status: int
    text: str
    headers: Any
    cookies: dict[str, Any] = field(default_factory=dict)

    @property
    def csrf(self) -> str:
        match = CSRF.search(self.text)
        assert match, f"no CSRF token on the page: {self.text[:500]}"
        return match.group(1)


@dataclass
class Console:
    """The console app mounted on the API app, with helpers to sign in and to send forms."""

    client: TestClient[Any, Any]
    services: Services
    clock: Clock
    modems: FixedModems

    async def key(self, scopes: str, name: str = "operator") -> tuple[int, str]:
        """Create an API key; return its id and the key."""
        key = generate_key()
        key_id = await self.services.api_keys.create(
            name=name, key_hash=hash_key(key), scopes=frozenset(scopes.split(",")), now=self.clock()
        )
        return key_id, key

    async def request(
        self, method: str, path: str, *, cookie: str | None = None, data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Page:  # fmt: skip
        """Send one request carrying only the cookies given (``name=value; …``); never follow redirects."""
        sent = dict(headers or {})
        if cookie:
            sent["Cookie"] = cookie
        async with self.client.request(
            method, path, data=data, headers=sent, allow_redirects=False
        ) as response:
            text = await response.text()
            jar: SimpleCookie = SimpleCookie()
            for raw in response.headers.getall("Set-Cookie", []):
                jar.load(raw)
            return Page(response.status, text, response.headers, dict(jar.items()))

    async def sign_in(self, key: str) -> Page:
        """Fetch the sign-in form and post ``key`` with its double-submit token, as a browser would."""
        form = await self.request("GET", "/console/sign-in")
        token = SIGN_IN_TOKEN.search(form.text)
        assert token, form.text
        cookie = f"gsmgateway_console_signin={form.cookies['gsmgateway_console_signin'].value}"
        return await self.request(
            "POST", "/console/sign-in", cookie=cookie,
            data={"sign_in_token": token.group(1), "api_key": key},
        )  # fmt: skip

    async def session(self, scopes: str = "console", name: str = "operator") -> str:
        """Sign in with a new key holding ``scopes``; return the session cookie (``name=value``)."""
        _, key = await self.key(scopes, name)
        page = await self.sign_in(key)
        assert page.status == 303, page.text
        return f"gsmgateway_console={page.cookies['gsmgateway_console'].value}"

    async def post_form(self, path: str, cookie: str, fields: dict[str, str] | None = None) -> Page:
        """Post a form from a page of the console: the session's CSRF token read from a real page."""
        page = await self.request("GET", "/console/", cookie=cookie)
        assert page.status == 200, page.text
        return await self.request(
            "POST", path, cookie=cookie, data={"csrf_token": page.csrf, **(fields or {})}
        )


@pytest.fixture
async def console(tmp_path: Path, aiohttp_client: Any) -> AsyncIterator[Console]:
    clock = Clock(START)
    config = GatewayConfig(
        state_dir=str(tmp_path),
        limits=LimitsConfig(per_key_per_second=0, per_recipient_per_hour=0),
        console=ConsoleConfig(idle_minutes=30, absolute_hours=12),
    )
    services = await open_services(config, clock=clock, monotonic=clock.monotonic)
    try:
        modems = FixedModems()
        app = create_app(
            services.messages,
            services.directory,
            authenticate=services.authenticator.authenticate,
            modems=modems,
            config=config,
            inbound=services.inbound,
        )
        mount_console(
            app, operator=services.operator, messages=services.messages, directory=services.directory,
            inbound=services.inbound, modems=modems,
        )  # fmt: skip
        client = await aiohttp_client(app, cookie_jar=aiohttp.DummyCookieJar())
        await services.directory.put(
            RecipientKind.CLIENT, "12", mobile="+255712345678", opted_out=False, name="Asha"
        )
        await services.directory.put(
            RecipientKind.STAFF, "7", mobile="+255700000007", opted_out=False, name="Cy"
        )
        yield Console(client, services, clock, modems)
    finally:
        await services.close()
