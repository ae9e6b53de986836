"""Unplug and replug the modem 20 times (1-70 s each); time replug → the next successful send.

Real processes: the installed ``gsmgateway-sim`` on a pty (its stable path vanishes on unplug and
comes back on replug, as ``/dev/serial/by-id/…`` does) and ``gsmgateway run`` with that path in its
config, built by the system tests' harness (``tests/system/``). During each unplug one message is
queued; the clock starts when the replug request returns and stops when the simulator's
``/submits?count=N`` answers with that message. Prints JSON: every cycle, min/median/max, and the
messages' attempt counts (waiting for a modem must spend none). The default outages add up to
451.5 s, plus a reconnect and a send per cycle; ``--scale 0.1`` runs the same cycles ten times shorter.

    .venv/bin/python bench/replug.py [--scale 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root: tests/system

from tests.system.clients import GatewayClient, SimulatorControl, eventually
from tests.system.processes import ProcessGroup
from tests.system.stack import StackOptions, build_stack

#: Seconds unplugged, one per cycle: 1 to 70, short and long mixed.
OUTAGES = (1, 70, 2, 64, 3, 45, 5, 30, 8, 20, 10, 15, 12, 25, 4, 40, 6, 55, 1.5, 35)


async def cycle(
    number: int, outage: float, gateway: GatewayClient, sim: SimulatorControl, http: aiohttp.ClientSession
) -> dict[str, float | int]:
    await sim.unplug()
    await eventually(gateway.modems, lambda items: items[0]["state"] != "ready", what="unplug noticed")
    submitted = len(await sim.submits())
    accepted = await gateway.accepted(f"Queued during outage {number}.", clientId=str(60 + number))
    await asyncio.sleep(outage)  # the outage itself: what is measured starts after it
    await sim.replug(reboot=True)  # a USB replug powers the dongle up afresh
    replugged = time.monotonic()
    async with http.get(f"{sim.url}/submits", params={"count": submitted + 1, "timeout": 60}) as reply:
        if reply.status != 200:
            raise RuntimeError(f"no send within 60 s of the replug: {await reply.text()}")
    sent = time.monotonic()
    detail = await gateway.wait_for(accepted["id"], "delivered")
    return {"cycle": number, "unplugged_s": outage, "replug_to_send_s": round(sent - replugged, 3),
            "attempts": detail["attemptCount"]}  # fmt: skip


async def main(scale: float) -> dict[str, object]:
    cycles: list[dict[str, float | int]] = []
    with tempfile.TemporaryDirectory(prefix="replug-") as tmp:
        group = ProcessGroup()
        try:
            stack = await build_stack(Path(tmp), group, StackOptions())
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
                gateway, sim = stack.clients(http)
                for number, outage in enumerate(OUTAGES, start=1):
                    cycles.append(await cycle(number, outage * scale, gateway, sim, http))
        finally:
            await group.stop_all()
    figures = [float(c["replug_to_send_s"]) for c in cycles]
    return {
        "cycles": cycles,
        "replug_to_send_s": {"min": min(figures), "median": statistics.median(figures), "max": max(figures)},
        "all_within_2s": max(figures) <= 2.0,
        "attempts_spent_waiting": sum(int(c["attempts"]) - 1 for c in cycles),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every outage by this")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.scale)), indent=2))
