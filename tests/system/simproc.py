"""A simulator process started with a device fault plan: ``python -m tests.system.simproc``.

``gsmgateway-sim`` sets only link-level faults on its command line, and the control surface's
``POST /faults`` only scalar ones, so a system test that needs a CMS error on a send or a silence
after the PDU starts the same :class:`~simulator.SimulatorServer` here, with the plan given as JSON::

    python -m tests.system.simproc --pty PATH --control 127.0.0.1:0 --faults '{
        "send_errors": [{"code": 332, "nth_send": 1}],
        "silences": [{"command": "+CMGS", "nth": 1, "stage": "after_pdu"}]}'

It announces itself exactly like ``gsmgateway-sim`` (``device=…``, ``control=…``, ``ready``) and stops
cleanly (exit 0) on SIGTERM, so the harness treats both the same. Everything else (plans, submits,
unplug) goes through the ordinary HTTP control surface.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Sequence
from typing import Any

from simulator import FaultPlan, SimulatorServer
from simulator.faults import CommandMatch, ErrorFamily, SendError, Silence, SilenceStage
from simulator.links import LinkKind


def fault_plan(spec: dict[str, Any]) -> FaultPlan:
    """Build a :class:`FaultPlan` from its JSON form (``send_errors``, ``silences``, scalar fields)."""
    errors = tuple(
        SendError(
            code=int(item["code"]),
            family=ErrorFamily(item.get("family", "cms")),
            nth_send=item.get("nth_send"),
            recipient=item.get("recipient"),
        )
        for item in spec.pop("send_errors", [])
    )
    silences = tuple(
        Silence(
            match=CommandMatch(command=item.get("command"), nth=item.get("nth")),
            forever=bool(item.get("forever", False)),
            stage=SilenceStage(item.get("stage", "command")),
        )
        for item in spec.pop("silences", [])
    )
    return FaultPlan(send_errors=errors, silences=silences, **spec)


async def serve(sim: SimulatorServer) -> None:
    """Run until SIGTERM or SIGINT, after announcing where the device and control surface are."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with sim:
        lines = [f"device={sim.url}", f"control={sim.control_url}", "ready"]
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, start the simulator with the plan, serve until told to stop."""
    parser = argparse.ArgumentParser(prog="simproc")
    parser.add_argument("--pty", required=True)
    parser.add_argument("--control", default="127.0.0.1:0")
    parser.add_argument("--profile", default="generic")
    parser.add_argument("--faults", default="{}", help="the fault plan as a JSON object")
    args = parser.parse_args(argv)
    host, _, port = args.control.rpartition(":")
    sim = SimulatorServer(
        args.profile,
        LinkKind.PTY,
        faults=fault_plan(json.loads(args.faults)),
        pty_path=args.pty,
        control_host=host,
        control_port=int(port),
    )
    asyncio.run(serve(sim))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
