"""``gsmgateway-sim``: run a simulated modem on a pseudo-terminal or TCP port until SIGTERM.

The first lines on stdout are machine-readable ``key=value`` pairs, ending with ``ready``, so a
script or a system test can start the simulator and learn where to connect::

    $ gsmgateway-sim --pty /tmp/gsmsim0 --profile huawei-e173 --control 127.0.0.1:0
    device=/tmp/gsmsim0
    pty=/dev/pts/4
    control=http://127.0.0.1:38411
    profile=huawei-e173
    ready

``--profile`` takes a built-in name or a profile file (``branch-stick.toml``, see
:mod:`simulator.profiles.toml_file`); a file with problems is refused before anything starts.

``--preload FILE.json`` puts old SMS and reports into the memories at start (the JSON list of
:mod:`simulator.profiles.preload`; a bad file exits 2 naming every problem); ``--smsc-skew`` and
``--smsc-utc-offset`` set the SMSC's clock (its time stamps follow the wall clock otherwise).

``--faults FILE.json`` (or ``--faults-json '{…}'``) installs a whole fault plan at start, in the JSON
shape the control surface's ``POST /faults`` takes (:mod:`simulator.faults.plan_json`); a plan with
problems is a usage error (exit 2) naming every one. ``--baud``, ``--latency`` and ``--split`` are
shorthands for three of its fields and may not set a field the plan also sets.

Run as root, the pty is given group ``dialout`` and mode 0660, so a gateway running as a non-root
member of ``dialout`` opens it like a USB modem. SIGTERM or SIGINT stops it cleanly (exit 0).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import math
import re
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from simulator.faults import FaultPlan
from simulator.faults.plan_json import FaultPlanError, parse_fault_plan
from simulator.jsonread import strict_json
from simulator.links import LinkKind
from simulator.network.clock import MAX_OFFSET
from simulator.profiles import Preload, PreloadError, Profile, get_profile, preload_from_json, profile_names
from simulator.server import SimulatorServer

DEFAULT_PTY = "/tmp/gsmsim0"  # noqa: S108 - a well-known demo path, documented in the README
EXIT_START_FAILED = 1
DEFAULT_BAUD = 115_200  # what USB GSM dongles' serial side runs at
WEEK = 7 * 86400.0  # the largest SMSC clock skew taken (a wrong year is not a skew)


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT (port 0 picks a free one), got {text!r}")
    return host.strip("[]"), int(port)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"expected byte counts like 1 or 3,1,7; got {text!r}")
    return sizes


def _seconds_in(low: float, high: float, expected: str) -> Callable[[str], float]:
    """Build an argument type for a number of seconds from ``low`` up to (not including) ``high``."""

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not low <= value < high:  # NaN fails every comparison
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return convert


_seconds = _seconds_in(0, 3600, "seconds between 0 and 3600")
_skew = _seconds_in(-WEEK, WEEK, "seconds within a week either way")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def _profile(text: str) -> Profile:
    """Resolve ``--profile`` at parse time, so a typo or a bad file is a usage error (exit 2)."""
    try:
        return get_profile(text)
    except KeyError as exc:  # an unknown name: the message lists the known ones
        raise argparse.ArgumentTypeError(str(exc.args[0])) from exc
    except ValueError as exc:  # a profile file that cannot be read or has problems (all listed)
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _plan_text(text: str) -> FaultPlan:
    try:
        return parse_fault_plan(text)
    except FaultPlanError as exc:
        raise argparse.ArgumentTypeError("\n  ".join(("bad fault plan:", *exc.problems))) from exc


def _plan_file(path: str) -> FaultPlan:
    """Read ``--faults FILE.json`` at parse time, so a missing file is a usage error too."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise argparse.ArgumentTypeError(f"cannot read fault plan {path!r}: {exc}") from exc
    return _plan_text(text)


def _preload_file(path: str) -> tuple[Preload, ...]:
    """Read ``--preload FILE.json`` at parse time: a missing file or a bad entry is a usage error."""
    try:
        return preload_from_json(strict_json(Path(path).read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError) as exc:
        raise argparse.ArgumentTypeError(f"cannot read preload {path!r}: {exc}") from exc
    except PreloadError as exc:
        raise argparse.ArgumentTypeError("\n  ".join(("bad preload:", *exc.problems))) from exc
    except ValueError as exc:  # not JSON
        raise argparse.ArgumentTypeError(f"bad preload: not JSON: {exc}") from exc


def _utc_offset(text: str) -> timedelta:
    """Read ``+03:00`` / ``-05:30`` (whole quarter hours, as a TP-SCTS carries them)."""
    match = re.fullmatch(r"([+-])(\d{2}):(\d{2})", text)
    offset = None
    if match:
        sign = -1 if match.group(1) == "-" else 1
        offset = sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
    if offset is None or offset % timedelta(minutes=15) or abs(offset) > MAX_OFFSET:
        raise argparse.ArgumentTypeError(f"expected an offset like +03:00 in quarter hours, got {text!r}")
    return offset


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gsmgateway-sim",
        description="Run a simulated USB GSM modem (AT commands, 3GPP TS 27.005) until SIGTERM.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--pty", metavar="PATH", help=f"publish a pseudo-terminal at PATH (default {DEFAULT_PTY})"
    )
    where.add_argument(
        "--tcp", metavar="HOST:PORT", type=_host_port, help="listen for socket:// clients instead"
    )
    parser.add_argument(
        "--profile",
        default="generic",
        type=_profile,
        metavar="NAME|FILE.toml",
        help=f"modem family to imitate: {', '.join(profile_names())}, or a profile .toml file",
    )
    parser.add_argument(
        "--control", metavar="HOST:PORT", type=_host_port, help="serve the HTTP control surface"
    )
    parser.add_argument(
        "--transcript", metavar="FILE", help="append every byte in and out to FILE (JSON lines)"
    )
    parser.add_argument(
        "--baud",
        type=_positive,
        nargs="?",
        const=DEFAULT_BAUD,
        metavar="RATE",
        help=f"pace output like a serial line, 8N1 (RATE defaults to {DEFAULT_BAUD})",
    )
    parser.add_argument("--latency", type=_seconds, metavar="SECONDS", help="delay before every response")
    parser.add_argument(
        "--split", type=_sizes, metavar="N[,N…]", help="cut output into writes of these sizes"
    )
    plan = parser.add_mutually_exclusive_group()
    plan.add_argument(
        "--faults", type=_plan_file, metavar="FILE.json", help="start with this fault plan (JSON file)"
    )
    plan.add_argument(
        "--faults-json", dest="faults", type=_plan_text, metavar="JSON", help="the same, given inline"
    )
    parser.add_argument(
        "--preload", type=_preload_file, default=(), metavar="FILE.json", help="messages in storage at start"
    )
    parser.add_argument(
        "--smsc-skew", type=_skew, default=0.0, metavar="SECONDS", help="SMSC clock minus the wall clock"
    )
    parser.add_argument(
        "--smsc-utc-offset",
        type=_utc_offset,
        default=timedelta(),
        metavar="±HH:MM",
        help="the SMSC's zone in time stamps (default +00:00)",
    )
    parser.add_argument("--pty-group", default="dialout", help="group given the pty (default dialout)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the simulator does to stderr")
    return parser


def _fault_plan(args: argparse.Namespace) -> FaultPlan:
    """Merge ``--faults`` with the ``--baud/--latency/--split`` shorthands.

    :raises ValueError: a shorthand sets a field the plan also sets.
    """
    plan: FaultPlan = args.faults or FaultPlan()
    shorthands = {"baud_rate": args.baud, "command_latency": args.latency, "split_writes": args.split}
    given = {name: value for name, value in shorthands.items() if value is not None}
    default = FaultPlan()
    clashes = sorted(name for name in given if getattr(plan, name) != getattr(default, name))
    if clashes:
        raise ValueError(f"the fault plan and a shorthand option both set {clashes}; use one")
    return dataclasses.replace(plan, **given)


def _server(args: argparse.Namespace, faults: FaultPlan) -> SimulatorServer:
    control_host, control_port = args.control if args.control else ("127.0.0.1", None)
    common = {
        "faults": faults,
        "control_host": control_host,
        "control_port": control_port,
        "transcript": args.transcript,
        "preload": args.preload,
        "smsc_clock_skew": args.smsc_skew,
        "smsc_utc_offset": args.smsc_utc_offset,
    }
    if args.tcp:
        host, port = args.tcp
        return SimulatorServer(args.profile, LinkKind.TCP, tcp_host=host, tcp_port=port, **common)
    pty = args.pty or DEFAULT_PTY
    return SimulatorServer(args.profile, LinkKind.PTY, pty_path=pty, pty_group=args.pty_group, **common)


def _announce(sim: SimulatorServer) -> None:
    lines = [f"device={sim.url}"]
    if sim.pty_name is not None:
        lines.append(f"pty={sim.pty_name}")
    if sim.control_url is not None:
        lines.append(f"control={sim.control_url}")
    lines += [f"profile={sim.profile.name}", "ready"]
    print("\n".join(lines), flush=True)


async def _serve(sim: SimulatorServer) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with sim:
            _announce(sim)
            print(f"gsmgateway-sim: {sim.profile.name} on {sim.url}; stop with Ctrl-C", file=sys.stderr)
            await stop.wait()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator until SIGTERM/SIGINT; return the exit code (0 on a clean stop)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        faults = _fault_plan(args)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        sim = _server(args, faults)  # validates everything before anything is configured or started
    except ValueError as exc:
        print(f"gsmgateway-sim: cannot start: {exc}", file=sys.stderr)
        return EXIT_START_FAILED
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        asyncio.run(_serve(sim))
    except OSError as exc:
        print(f"gsmgateway-sim: cannot start: {exc}", file=sys.stderr)
        return EXIT_START_FAILED
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
