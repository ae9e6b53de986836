"""The whole gateway in-process: real store file, real HTTP on port 0, the simulator on the memory link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from gsmgateway.app import Gateway
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import ApiConfig, LimitsConfig, ModemConfig
from gsmgateway.core.credentials import generate_key, hash_key
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import RecipientKind
from simulator import SimulatorServer
from tests.worker.support import FAST_DRIVER, FAST_WORKER, until


def gateway_config(tmp_path: Path, **changes: Any) -> GatewayConfig:
    """Return a config with one modem ``m1``, the API on a free port and no per-recipient limit."""
    config = GatewayConfig(
        state_dir=str(tmp_path),
        api=ApiConfig(port=0),
        limits=LimitsConfig(per_recipient_per_hour=0),
        modems=(ModemConfig(id="m1", port="memory", messages_per_minute=6000),),
    )
    return replace(config, **changes)


def build_gateway(config: GatewayConfig, sim: SimulatorServer) -> Gateway:
    """Return a gateway whose modem ``m1`` is the simulator (memory link), with short timeouts."""
    return Gateway(
        config,
        openers={"m1": sim.open_stream},
        driver_options=lambda modem: replace(FAST_DRIVER, pin=modem.pin),
        worker_options=replace(FAST_WORKER, mode=config.dispatch.mode),
    )


async def api_key(gateway: Gateway, scopes: str = "sms:send,sms:read,directory:write") -> dict[str, str]:
    """Create a key on the running gateway's store; return the header that carries it."""
    key = generate_key()
    await gateway.services.api_keys.create(
        name="test", key_hash=hash_key(key), scopes=frozenset(scopes.split(",")), now=datetime.now(UTC)
    )
    return {"Authorization": f"Bearer {key}"}


async def add_client(gateway: Gateway, client_id: str = "1001", mobile: str = "+255700001001") -> None:
    await gateway.services.directory.put(
        RecipientKind.CLIENT, client_id, mobile=mobile, opted_out=False, name=None
    )


async def until_status(gateway: Gateway, message_id: int, *statuses: MessageStatus) -> None:
    """Wait until the message reaches one of ``statuses`` (re-checked on every worker change)."""

    async def reached() -> bool:
        return (await gateway.services.messages.get(message_id)).message.status in statuses

    await until(gateway.workers, reached)


@asynccontextmanager
async def running(gateway: Gateway) -> AsyncIterator[aiohttp.ClientSession]:
    """Start the gateway and yield an HTTP session; stop both afterwards."""
    await gateway.start()
    try:
        async with aiohttp.ClientSession(base_url=gateway.url) as http:
            yield http
    finally:
        await gateway.stop()
