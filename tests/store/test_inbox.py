"""The modem inbox's write path under cancellation: a driver that goes away mid-batch.

An unplug ends the driver's URC task and a stop its sweep, wherever they are — also in the middle
of the journal's transaction. Cancelling an SQLite write transaction there can leave a pooled
connection holding the write lock (every later write then fails with "database is locked"), so the
sink shields its write. Cancelled at every point a few hundred times, the store must stay writable.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import StoreConfig
from gsmgateway.core.inbox import PduKind
from gsmgateway.wiring import open_services
from tests.reports import inbound_sms

START = datetime(2026, 1, 1, tzinfo=UTC)


async def test_a_sink_cancelled_anywhere_never_leaves_the_store_locked(tmp_path: Path) -> None:
    config = GatewayConfig(state_dir=str(tmp_path), store=StoreConfig(busy_timeout_ms=1000))
    services = await open_services(config)
    try:
        sink = services.collection.sink("m1")
        for n in range(240):
            item = inbound_sms(text=f"part {n}", at=START + timedelta(seconds=n))
            write = asyncio.ensure_future(sink([item]))
            for _ in range(n % 40):  # cancel after 0..39 turns of the loop: every point of the write
                await asyncio.sleep(0)
            write.cancel()
            with suppress(asyncio.CancelledError):
                await write
            await services.collection.drain()  # the cancelled batch's write is over: no lock is left
            probe = inbound_sms(text=f"probe {n}", at=START + timedelta(days=1, seconds=n))
            assert len(await services.collection.journal("m1", [probe])) == 1  # not "database is locked"
        await services.collection.drain()
        kept = await services.collection.inbox.pending(PduKind.DELIVER, limit=1000)
        started = sum(1 for n in range(240) if n % 40)  # cancelled before its first turn: never began
        assert len(kept) == 240 + started  # every batch that began was journaled all the same
    finally:
        await services.close()


async def test_the_same_pdu_is_journaled_once_per_modem(tmp_path: Path) -> None:
    services = await open_services(replace(GatewayConfig(state_dir=str(tmp_path))))
    try:
        item = inbound_sms()
        assert len(await services.collection.journal("m1", [item, item])) == 1
        assert await services.collection.journal("m1", [item]) == []
        assert len(await services.collection.journal("m2", [item])) == 1  # another modem: another SMS
    finally:
        await services.close()
