"""Command-line interface: argument parsing only; the work happens in the modules it calls."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from gsmgateway import __version__
from gsmgateway.errors import GatewayError

EX_USAGE, EX_DATAERR, EX_UNAVAILABLE = 64, 65, 69


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gsmgateway", description="SMS gateway for USB GSM modems")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_modem_commands(commands)
    return parser


# --- gsmgateway modem probe | list (the work is in gsmgateway/modem/probe.py) ----------------------
def _add_modem_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    modem = commands.add_parser("modem", help="look at serial modems").add_subparsers(
        dest="action", required=True
    )
    probe = modem.add_parser("probe", help="identify a modem and check it can send SMS")
    probe.add_argument(
        "--device", required=True, help="/dev/serial/by-id/..., /dev/ttyUSB0 or socket://host:port"
    )
    probe.add_argument("--baudrate", type=int, default=115200)
    probe.add_argument("--rtscts", action="store_true", help="hardware flow control")
    probe.add_argument("--pin", help="SIM PIN, if the SIM asks for one")
    probe.add_argument("--trace", action="store_true", help="show every byte to and from the modem on stderr")
    probe.set_defaults(handler=_modem_probe)
    ports = modem.add_parser("list", help="list serial ports that look like modems")
    ports.add_argument("--all", action="store_true", help="list every serial port")
    ports.set_defaults(handler=_modem_list)


def _modem_probe(args: argparse.Namespace) -> int:
    from gsmgateway.errors import ModemUnavailableError
    from gsmgateway.modem.options import DriverOptions
    from gsmgateway.modem.probe import format_report, probe
    from gsmgateway.modem.transport import serial_opener

    def trace(direction: str, data: bytes) -> None:
        print(f"{direction} {data!r}", file=sys.stderr)

    opener = serial_opener(
        args.device, baudrate=args.baudrate, rtscts=args.rtscts, trace=trace if args.trace else None
    )
    try:
        report = asyncio.run(probe(opener, options=DriverOptions(pin=args.pin, busy_retry_delay=0.5)))
    except ModemUnavailableError as exc:
        print(f"gsmgateway: {exc}", file=sys.stderr)
        return EX_UNAVAILABLE
    print(format_report(args.device, report))
    return 0 if report.ok else EX_UNAVAILABLE


def _modem_list(args: argparse.Namespace) -> int:
    from gsmgateway.modem.probe import modem_ports

    print(modem_ports(show_all=args.all))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in ``argv`` and return the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EX_USAGE
    try:
        return int(handler(args))
    except GatewayError as exc:
        print(f"gsmgateway: {exc}", file=sys.stderr)
        return EX_DATAERR
