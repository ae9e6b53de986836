"""A stored webhook endpoint keeps its history and pending events when its name changes.

Before endpoints had names each was stored under its URL; since then an unnamed endpoint is named
after its host, and after its host and path once another endpoint shares the host. On each of these
upgrades the configuration names the same URL differently; its stored endpoint (the same id) must
carry the new name, with its events still pending, not be abandoned for a new empty one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from gsmgateway.core.config import GatewayConfig, load
from gsmgateway.core.config_inbound import WebhookConfig
from gsmgateway.store.tables import webhook_endpoints, webhook_outbox
from gsmgateway.wiring import Services
from tests.inbound import deliver_pdus, receive
from tests.store.conftest import Clock, OpenStack

EVENTS = "https://crm.example.org/gsmgateway/events"
OTHER = "https://crm.example.org/other/events"
SECRET = "long-enough-secret-1234"


def sharing(url: str) -> str:
    """Name an unnamed endpoint whose host another shares: host, '-', 8 hex of SHA-256(url)."""
    return f"crm.example.org-{hashlib.sha256(url.encode()).hexdigest()[:8]}"


def configured(tmp_path: Path, *urls: str) -> tuple[WebhookConfig, ...]:
    """Return the endpoints as the daemon reads them from a file with these unnamed ``[[webhooks]]``."""
    path = tmp_path / "gw.toml"
    path.write_text("".join(f'[[webhooks]]\nurl = "{u}"\nsecret = "{SECRET}"\n' for u in urls), "utf-8")
    return load(path, env={}).webhooks


async def endpoints(stack: Services) -> dict[str, tuple[int, bool]]:
    async with stack.database.read.connect() as conn:
        rows = await conn.execute(select(webhook_endpoints))
        return {row.name: (row.id, row.active) for row in rows}


async def pending_by_endpoint(stack: Services) -> dict[int, list[str]]:
    async with stack.database.read.connect() as conn:
        rows = await conn.execute(select(webhook_outbox.c.endpoint_id, webhook_outbox.c.state))
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row.endpoint_id, []).append(row.state)
    return found


async def test_endpoints_stored_under_their_urls_are_renamed_with_their_pending_events(
    open_stack: OpenStack, make_config: Callable[..., GatewayConfig], clock: Clock, tmp_path: Path
) -> None:
    stack = await open_stack(make_config())
    old = [WebhookConfig(url=url, secret=SECRET, name=url) for url in (EVENTS, OTHER)]  # the old naming
    before = await stack.outbox.sync_endpoints(old, now=clock())
    await receive(stack, deliver_pdus("Paid", sender="+255712345678"))

    after = await stack.outbox.sync_endpoints(configured(tmp_path, EVENTS, OTHER), now=clock())

    assert after == {
        sharing(EVENTS): before[EVENTS],
        sharing(OTHER): before[OTHER],
    }
    assert await endpoints(stack) == {name: (endpoint_id, True) for name, endpoint_id in after.items()}
    assert await pending_by_endpoint(stack) == {before[EVENTS]: ["pending"], before[OTHER]: ["pending"]}


async def test_an_endpoint_named_by_its_host_keeps_its_events_when_another_joins_the_host(
    open_stack: OpenStack, make_config: Callable[..., GatewayConfig], clock: Clock, tmp_path: Path
) -> None:
    stack = await open_stack(make_config())
    alone = await stack.outbox.sync_endpoints(configured(tmp_path, EVENTS), now=clock())
    assert list(alone) == ["crm.example.org"]
    await receive(stack, deliver_pdus("Paid", sender="+255712345678"))

    both = await stack.outbox.sync_endpoints(configured(tmp_path, OTHER, EVENTS), now=clock())

    assert both[sharing(EVENTS)] == alone["crm.example.org"]
    new_id = both[sharing(OTHER)]
    assert new_id != alone["crm.example.org"]
    assert await pending_by_endpoint(stack) == {alone["crm.example.org"]: ["pending"]}
    assert set(await endpoints(stack)) == set(both)

    dropped = await stack.outbox.sync_endpoints(configured(tmp_path, OTHER), now=clock())

    assert dropped == {"crm.example.org": new_id}  # the one left is the host's again, with its own id
    assert await endpoints(stack) == {
        "crm.example.org": (new_id, True),
        sharing(EVENTS): (alone["crm.example.org"], False),
    }
    assert await pending_by_endpoint(stack) == {alone["crm.example.org"]: ["abandoned"]}
