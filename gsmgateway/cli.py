"""Command-line interface: argument parsing only; the work happens in the modules it calls."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gsmgateway import __version__
from gsmgateway.core.errors import ConfigError, GatewayError

EX_USAGE, EX_DATAERR, EX_UNAVAILABLE, EX_CONFIG = 64, 65, 69, 78
DEFAULT_CONFIG = Path("/etc/gsmgateway/gsmgateway.toml")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gsmgateway", description="SMS gateway for USB GSM modems")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--config",
        type=Path,
        help=f"TOML file (default: $GSMGATEWAY_CONFIG, else {DEFAULT_CONFIG} if present)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    apikey = commands.add_parser("apikey", help="manage API keys").add_subparsers(
        dest="action", required=True
    )
    create = apikey.add_parser("create", help="create a key and print it (shown only once)")
    create.add_argument("--name", required=True, help="who uses the key, e.g. platform")
    create.add_argument("--scopes", required=True, help="comma-separated, e.g. sms:send,sms:read")
    create.set_defaults(handler=_apikey_create)
    apikey.add_parser("list", help="list keys: id, name, scopes, revoked").set_defaults(handler=_apikey_list)
    revoke = apikey.add_parser("revoke", help="revoke a key by id (a running gateway refuses it within 60 s)")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(handler=_apikey_revoke)

    directory = commands.add_parser("directory", help="manage the local directory")
    actions = directory.add_subparsers(dest="action", required=True)
    load = actions.add_parser(
        "import", help="import clients and staff from CSV (kind,id,mobile,opted_out,name)"
    )
    load.add_argument("file", type=Path)
    load.set_defaults(handler=_directory_import)
    _add_modem_commands(commands)
    _add_daemon_commands(commands)
    return parser


def _config_path(args: argparse.Namespace) -> Path | None:
    if args.config is not None:
        return Path(args.config)
    if os.environ.get("GSMGATEWAY_CONFIG"):
        return Path(os.environ["GSMGATEWAY_CONFIG"])
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None


def _apikey_create(args: argparse.Namespace) -> int:
    from gsmgateway.admin_commands import create_api_key  # keep `--help` fast
    from gsmgateway.core.config import load

    key_id, key = asyncio.run(create_api_key(load(_config_path(args)), name=args.name, scopes=args.scopes))
    print(f"API key {key_id} for {args.name!r} (shown only once, store it now):")
    print(key)
    return 0


def _apikey_list(args: argparse.Namespace) -> int:
    from gsmgateway.admin_commands import list_api_keys
    from gsmgateway.core.config import load

    for key in asyncio.run(list_api_keys(load(_config_path(args)))):
        state = "revoked" if key.revoked else "active"
        print(f"{key.id}\t{key.name}\t{','.join(sorted(key.scopes))}\t{state}")
    return 0


def _apikey_revoke(args: argparse.Namespace) -> int:
    from gsmgateway.admin_commands import revoke_api_key
    from gsmgateway.core.config import load

    asyncio.run(revoke_api_key(load(_config_path(args)), args.id))
    print(f"API key {args.id} revoked")
    return 0


def _directory_import(args: argparse.Namespace) -> int:
    from gsmgateway.admin_commands import import_directory, read_csv_file
    from gsmgateway.core.config import load

    config = load(_config_path(args))
    count = asyncio.run(import_directory(config, read_csv_file(args.file)))
    print(f"imported {count} directory entries from {args.file}")
    return 0


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
    from gsmgateway.core.errors import ModemUnavailableError
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


# --- gsmgateway run | check-config | demo (the work is in app.py, configcheck.py, demo.py) ----------
def _add_daemon_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser("run", help="run the gateway until SIGTERM/SIGINT")
    _config_option(run)
    run.add_argument("--log-level", help="override log_level (DEBUG, INFO, WARNING, ERROR)")
    run.set_defaults(handler=_run)
    check = commands.add_parser("check-config", help="check the configuration; list every problem")
    _config_option(check)
    check.set_defaults(handler=_check_config)
    condition = commands.add_parser(
        "has-modems",
        help="exit 0 if the config names a modem, 1 if none (systemd's ExecCondition= then skips the start)",
    )
    _config_option(condition)
    condition.set_defaults(handler=_has_modems)
    status = commands.add_parser("status", help="ask the running daemon how it is: queue, messages, modems")
    _config_option(status)
    status.add_argument("--url", help="the daemon's API (default: the configured address, from this machine)")
    status.set_defaults(handler=_status)
    backup = commands.add_parser("backup", help="copy the SQLite database to FILE, consistent while running")
    _config_option(backup)
    backup.add_argument("file", type=Path, help="a new file (never overwritten)")
    backup.set_defaults(handler=_backup)
    demo = commands.add_parser("demo", help="the gateway on a simulated modem, with a demo directory")
    demo.add_argument("--state-dir", type=Path, default=Path("var/demo"), help="default: ./var/demo")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080, help="API port (default 8080; 0: any free)")
    demo.add_argument("--fresh", action="store_true", help="delete the demo database first")
    demo.set_defaults(handler=_demo)


def _config_option(parser: argparse.ArgumentParser) -> None:
    """Accept ``--config`` after the command too (``gsmgateway run --config FILE``)."""
    parser.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="TOML file")


def _print_listening(url: str) -> None:
    print(f"gsmgateway: listening on {url}", flush=True)


def _run(args: argparse.Namespace) -> int:
    from gsmgateway.app import Gateway, run
    from gsmgateway.core.config import load
    from gsmgateway.core.errors import StoreError
    from gsmgateway.logsetup import configure_logging

    path = _config_path(args)
    overrides = {"log_level": args.log_level} if args.log_level else None
    config = load(path, overrides=overrides)
    configure_logging(config.log_level)
    gateway = Gateway(config, reload_config=lambda: load(path, overrides=overrides))
    try:
        asyncio.run(run(config, on_listening=_print_listening, gateway=gateway))
    except (OSError, StoreError) as exc:  # address in use, store held by another daemon, lost, unwritable
        print(f"gsmgateway: {exc}", file=sys.stderr)
        return EX_UNAVAILABLE
    return 0


def _check_config(args: argparse.Namespace) -> int:
    from gsmgateway.configcheck import check_config

    path = _config_path(args)
    problems, summary = check_config(path)
    for problem in problems:
        print(f"gsmgateway: {problem}", file=sys.stderr)
    if problems:
        print(f"gsmgateway: {len(problems)} problem(s) in {path or 'the defaults'}", file=sys.stderr)
        return EX_CONFIG
    print(summary)
    return 0


def _status(args: argparse.Namespace) -> int:
    from gsmgateway.core.config import load
    from gsmgateway.status_report import daemon_status

    try:
        print(asyncio.run(daemon_status(load(_config_path(args)), url=args.url)))
    except GatewayError as exc:
        print(f"gsmgateway: {exc}", file=sys.stderr)
        return EX_UNAVAILABLE
    return 0


def _backup(args: argparse.Namespace) -> int:
    from gsmgateway.core.config import load
    from gsmgateway.store.backup import backup_store
    from gsmgateway.store.ownership import sqlite_path

    config = load(_config_path(args))
    size = backup_store(config.store_url, args.file)
    print(f"backed up {sqlite_path(config.store_url)} to {args.file} ({size} bytes)")
    return 0


def _has_modems(args: argparse.Namespace) -> int:
    from gsmgateway.systemd.condition import names_a_modem

    path = _config_path(args)
    if names_a_modem(path):
        return 0
    print(
        f"gsmgateway: {path or 'the configuration'} names no [[modems]]; not starting. "
        "Add one, then: systemctl start gsmgateway",
        file=sys.stderr,
    )
    return 1


def _demo(args: argparse.Namespace) -> int:
    from gsmgateway.core.errors import StoreError
    from gsmgateway.demo import run_demo
    from gsmgateway.logsetup import configure_logging

    configure_logging("INFO")
    try:
        run_demo(args.state_dir, host=args.host, port=args.port, fresh=args.fresh, say=_say)
    except (OSError, StoreError) as exc:
        print(f"gsmgateway: demo cannot start: {exc}", file=sys.stderr)
        return EX_UNAVAILABLE
    return 0


def _say(text: str) -> None:
    print(text, flush=True)


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
    except ConfigError as exc:
        print(f"gsmgateway: {exc}", file=sys.stderr)
        return EX_CONFIG
    except GatewayError as exc:
        print(f"gsmgateway: {exc}", file=sys.stderr)
        return EX_DATAERR
