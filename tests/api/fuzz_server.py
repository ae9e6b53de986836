"""The API as the daemon serves it, in a process of its own, for schemathesis (``test_schemathesis.py``).

``python -m tests.api.fuzz_server STATE_DIR`` opens a real SQLite store there, creates an ``admin``
key and a few directory entries, serves ``create_app`` (with ``/metrics`` and the store's health, as
the daemon wires them) with ``api/server.serve`` on a free port and prints ``{"port": …, "key": …}``
once listening; SIGTERM stops it.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from datetime import UTC, datetime

from gsmgateway.api import create_app
from gsmgateway.api.server import serve
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import DirectoryConfig, LimitsConfig
from gsmgateway.core.credentials import generate_key, hash_key
from gsmgateway.core.records import ModemStatusView, RecipientKind
from gsmgateway.metrics import GatewayMetrics
from gsmgateway.store.statistics import StatisticsQueries


class _StoredModems:
    def __init__(self, services: object) -> None:
        self.services = services

    async def modem_statuses(self) -> list[ModemStatusView]:
        return await self.services.dispatch.list_modems()  # type: ignore[attr-defined,no-any-return]


async def main(state_dir: str) -> None:
    from gsmgateway.wiring import open_services

    config = GatewayConfig(
        state_dir=state_dir,
        directory=DirectoryConfig(default_country_code="255"),
        limits=LimitsConfig(per_key_per_second=0, per_recipient_per_hour=0),
    )
    services = await open_services(config)
    key = generate_key()
    await services.api_keys.create(
        name="fuzz", key_hash=hash_key(key), scopes=frozenset({"admin"}), now=datetime.now(UTC)
    )
    for entry_id in ("0", "1", "12", "7"):
        for kind in (RecipientKind.CLIENT, RecipientKind.STAFF):
            await services.directory.put(
                kind, entry_id, mobile=f"+25571200{int(entry_id):04d}", opted_out=False, name=None
            )
    metrics = GatewayMetrics(StatisticsQueries(services.database), list, clock=lambda: datetime.now(UTC))
    await metrics.start()
    app = create_app(
        services.messages, services.directory, authenticate=services.authenticator.authenticate,
        modems=_StoredModems(services), config=config,
        inbound=services.inbound, metrics=metrics, store_health=services.database.health,
    )  # fmt: skip
    server = await serve(app, "127.0.0.1", 0)
    sys.stdout.write(json.dumps({"port": server.port, "key": key}) + "\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await server.close()
    await services.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
