"""``kill -9`` the daemon 20 times during a 1,000-message burst; reports come 1 s after each submit.

Prints JSON: how many messages reached the network, how each ended, and the three things that must
never happen (a message that left but is not ``delivered``, one that left twice, one ``delivered``
that never left). Real processes: the installed ``gsmgateway-sim`` on a pty and ``gsmgateway run``,
built by the system tests' harness (``tests/system/``), which this script imports. A few minutes.

    .venv/bin/python bench/kill_soak.py [--messages 1000] [--kills 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root: tests/system

from tests.system.kill_loop import kill_loop
from tests.system.processes import ProcessGroup
from tests.system.stack import StackOptions, build_stack


async def main(messages: int, kills: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="kill-soak-") as tmp:
        group = ProcessGroup()
        try:
            stack = await build_stack(Path(tmp), group, StackOptions(report_delay=1.0))
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
                result = await kill_loop(stack, http, messages=messages, kills=kills, settle_timeout=900)
        finally:
            problems = await group.stop_all()
    return {
        "messages": result.messages,
        "kills": result.kills,
        "reached_network": result.submitted,
        "statuses": dict(result.statuses),
        "left_but_not_delivered": result.left_but_not_delivered,
        "sent_twice": result.sent_twice,
        "delivered_but_never_left": result.delivered_but_never_left,
        "ok": result.ok and not problems,
        "seconds": round(result.seconds, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.messages, args.kills)), indent=2))
