"""Messages per second from the queue to ``sent`` through N workers on simulated modems.

The whole sending path is measured: claim (compare-and-set in SQLite), encode, ``AT+CMGS`` per part,
record each MR, ``sent`` — while the status reports the simulator returns are matched and rolled up
alongside. The simulators use the in-memory link without serial pacing, so this is the gateway's own
cost per message, not a serial line's (see modem_throughput.py for that).

Usage: python bench/worker_throughput.py [--messages N] [--modems M] [--parts P]
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from contextlib import AsyncExitStack

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import LimitsConfig, ModemConfig
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import RecipientKind
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.message_service import MessageQuery, SubmitRequest
from gsmgateway.messages.worker import ModemWorker
from gsmgateway.modem.driver import ModemDriver
from gsmgateway.wiring import Services, open_services
from simulator import SimulatorServer


async def queue_messages(services: Services, count: int, text: str) -> None:
    """Queue ``count`` messages to one client, in batches of 1000."""
    key_id = await services.api_keys.create(
        name="bench", key_hash="0" * 64, scopes=frozenset(), now=utc_now()
    )
    await services.directory.put(
        RecipientKind.CLIENT, "1", mobile="+255700000001", opted_out=False, name=None
    )
    caller = Caller(key_id, "bench", frozenset())
    for start in range(0, count, 1000):
        batch = [
            SubmitRequest(message=f"{n} {text}", client_id="1", staff_id=None, send_at=None, external_id=None)
            for n in range(start, min(count, start + 1000))
        ]
        await services.messages.submit_batch(batch, caller=caller)


async def unsent(services: Services) -> bool:
    """Whether any message is still queued or sending."""
    for status in (MessageStatus.QUEUED, MessageStatus.SENDING):
        query = MessageQuery(status=status, client_id=None, staff_id=None, created_from=None,
                             created_to=None, cursor=None, limit=1)  # fmt: skip
        if (await services.messages.list(query)).items:
            return True
    return False


async def wait_all_sent(workers: list[ModemWorker], services: Services) -> None:
    """Re-check after every change a worker announces until nothing is left to send."""
    while True:
        generations = [w.generation for w in workers]
        if not await unsent(services):
            return
        waits = [asyncio.ensure_future(w.wait_changed(g)) for w, g in zip(workers, generations, strict=True)]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for wait in waits:
            wait.cancel()
        await asyncio.gather(*waits, return_exceptions=True)


async def run(count: int, modems: int, parts: int) -> dict[str, object]:
    """Queue, start the workers, time until everything is sent; return the figures."""
    text = "x" * (153 * parts - 10) if parts > 1 else "Your repayment is due on Friday."
    with tempfile.TemporaryDirectory() as state:
        config = GatewayConfig(state_dir=state, limits=LimitsConfig(per_recipient_per_hour=0))
        async with AsyncExitStack() as stack:
            services = await open_services(config)
            stack.push_async_callback(services.close)
            await queue_messages(services, count, text)
            workers = []
            for index in range(modems):
                sim = await stack.enter_async_context(SimulatorServer(link="memory"))
                modem = ModemConfig(id=f"m{index}", port="memory", messages_per_minute=10**7)
                driver = ModemDriver(modem.id, sim.open_stream, sink=services.collection.sink(modem.id))
                await driver.start()
                stack.push_async_callback(driver.stop)
                await driver.wait_ready(timeout=10)
                workers.append(ModemWorker(modem, driver, services.dispatch, services.collection))
            started = time.perf_counter()
            for worker in workers:
                await worker.start()
                stack.push_async_callback(worker.stop)
            await wait_all_sent(workers, services)
            elapsed = time.perf_counter() - started
    return {
        "bench": "worker_throughput",
        "messages": count,
        "modems": modems,
        "parts_per_message": parts,
        "seconds": round(elapsed, 3),
        "messages_per_second": round(count / elapsed, 1),
    }


def main() -> None:
    """Parse the arguments, run once, print JSON."""
    parser = argparse.ArgumentParser(description="messages/s through workers on simulated modems")
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--modems", type=int, default=2)
    parser.add_argument("--parts", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.messages, args.modems, args.parts))))


if __name__ == "__main__":
    main()
