"""``gsmgateway demo`` (what ``make run`` starts): the real gateway on a simulated modem.

It starts the simulator in-process on a real pseudo-terminal (``<state dir>/modem0``, opened through
pyserial exactly like ``/dev/ttyUSB0``), writes ``<state dir>/gsmgateway.toml`` naming it, seeds a
demo directory (clients 1001-1003 and staff 1-2, with numbers), creates an API key and prints it
once with copy-paste ``curl`` examples, then runs the gateway until Ctrl-C.

Re-running keeps the database (``./var/demo/gsmgateway.db``): earlier messages stay visible, the demo
directory entries are written again (upserts) and a new key is created (earlier keys keep working).
``--fresh`` deletes the database first. A second demo on the same state directory is refused (the
store's lock is taken before anything is touched, ``--fresh`` included).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from gsmgateway.app import Gateway, run
from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig, load
from gsmgateway.core.credentials import generate_key, hash_key, parse_scopes
from gsmgateway.core.records import RecipientKind
from gsmgateway.store.ownership import StoreLock
from gsmgateway.wiring import open_services
from simulator import SimulatorServer

logger = logging.getLogger(__name__)

DEMO_SCOPES = "sms:send,sms:read,directory:write,console"
KEY_VARIABLE = "GW_KEY"  # not GSMGATEWAY_*: those names are read as configuration
DEMO_PEOPLE: tuple[tuple[RecipientKind, str, str, str], ...] = (
    (RecipientKind.CLIENT, "1001", "+255700001001", "Amina Juma"),
    (RecipientKind.CLIENT, "1002", "+255700001002", "Baraka Mwangi"),
    (RecipientKind.CLIENT, "1003", "+255700001003", "Neema Kileo"),
    (RecipientKind.STAFF, "1", "+255700000001", "Loan officer Rehema"),
    (RecipientKind.STAFF, "2", "+255700000002", "Branch manager Juma"),
)


def demo_config_text(state_dir: Path, modem_port: Path, *, host: str, port: int) -> str:
    """Return the TOML the demo runs with: one simulated modem, Tanzanian numbers, quick jobs."""
    return f"""# Written by `gsmgateway demo` on every start; edits are overwritten.
state_dir = "{state_dir}"

[api]
host = "{host}"
port = {port}

[directory]
default_country_code = "255"

[jobs]
sweep_seconds = 2.0
report_poll_seconds = 20.0
health_seconds = 15.0

[[modems]]
id = "modem0"
port = "{modem_port}"
messages_per_minute = 60
"""


async def prepare(config: GatewayConfig) -> str:
    """Seed the demo directory and create an API key; return the key (shown only now)."""
    services = await open_services(config)
    try:
        for kind, entry_id, mobile, name in DEMO_PEOPLE:
            await services.directory.put(kind, entry_id, mobile=mobile, opted_out=False, name=name)
        key = generate_key()
        await services.api_keys.create(
            name="demo", key_hash=hash_key(key), scopes=parse_scopes(DEMO_SCOPES), now=utc_now()
        )
    finally:
        await services.close()
    return key


def banner(url: str, key: str, modem_port: Path) -> str:
    """Return what the demo prints once the API listens: the key and commands that work as printed."""
    auth = f'-H "Authorization: Bearer ${KEY_VARIABLE}"'
    return f"""
gsmgateway demo — API on {url}, simulated modem on {modem_port}
Directory: clients 1001-1003, staff 1-2. API key (shown only once; scopes {DEMO_SCOPES}):

  export {KEY_VARIABLE}={key}

Send an SMS to client 1001, then follow it:

  curl -s -X POST {url}/sms {auth} -H "Content-Type: application/json" \\
       -d '{{"clientId": "1001", "message": "Your loan repayment of TZS 50,000 is due on Friday."}}'
  curl -s {url}/sms/1 {auth}
  curl -s {url}/sms {auth}
  curl -s {url}/modems {auth}

Or open the operator console in a browser and sign in with the key: {url}/console/

Press Ctrl-C to stop.
"""


def run_demo(
    state_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    fresh: bool = False,
    say: Callable[[str], None],
) -> None:
    """Prepare the state directory and config, then run simulator and gateway until SIGINT/SIGTERM.

    :raises OSError: the state directory, the pty or the API port cannot be set up.
    :raises StoreInUseError: another demo (or daemon) runs on this state directory.
    """
    state_dir = state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    lock = StoreLock.acquire(state_dir / "gsmgateway.db")
    try:
        if fresh:
            for leftover in state_dir.glob("gsmgateway.db*"):
                if leftover.suffix != ".lock":
                    leftover.unlink()
        modem_port = state_dir / "modem0"
        config_path = state_dir / "gsmgateway.toml"
        config_path.write_text(
            demo_config_text(state_dir, modem_port, host=host, port=port), encoding="utf-8"
        )
        asyncio.run(_serve(load(config_path), modem_port, say, lock))
    finally:
        lock.release()


async def _serve(
    config: GatewayConfig, modem_port: Path, say: Callable[[str], None], lock: StoreLock
) -> None:
    key = await prepare(config)
    async with SimulatorServer(profile="generic", link="pty", pty_path=modem_port, pty_group=None):
        gateway = Gateway(config, store_lock=lock)
        await run(config, on_listening=lambda url: say(banner(url, key, modem_port)), gateway=gateway)
