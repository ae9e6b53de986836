"""A whole installation in a temporary directory: simulated modems, config, keys, directory, daemon.

:func:`build_stack` does what an operator does on a new machine, with the real commands: write
``gsmgateway.toml``, ``gsmgateway apikey create``, ``gsmgateway directory import``, then
``gsmgateway run``. Only the timings differ from production (fast jobs, sub-second retry delays).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.system.clients import GatewayClient, SimulatorControl
from tests.system.processes import (
    DEVELOPMENT,
    DaemonProcess,
    ProcessGroup,
    Runtime,
    SimulatorProcess,
    create_api_key,
    import_directory,
)

#: Clients 1..199 exist with numbers; each test takes its own ids so tests never share a recipient.
CLIENT_IDS = range(1, 200)
STAFF_ID = "7"
OPTED_OUT_ID = "out"
NO_NUMBER_ID = "nonum"
FULL_SCOPES = "sms:send,sms:read,sms:read-numbers,directory:write,inbound:read"


def number_of(client_id: int | str) -> str:
    """Return the mobile number the directory gives client ``client_id`` (E.164)."""
    return f"+255700{int(client_id):06d}"


STAFF_NUMBER = "+255711000007"


def directory_csv() -> str:
    """Clients with numbers, one staff member, one opted-out client and one without a number."""
    rows = ["kind,id,mobile,opted_out,name"]
    rows += [f"client,{cid},{number_of(cid)},false,Client {cid}" for cid in CLIENT_IDS]
    rows += [
        f"staff,{STAFF_ID},{STAFF_NUMBER},false,Loan officer",
        f"client,{OPTED_OUT_ID},+255700999999,true,Opted out",
        f"client,{NO_NUMBER_ID},,false,No phone",
    ]
    return "\n".join(rows) + "\n"


@dataclass(frozen=True)
class StackOptions:
    """What differs between the installations the tests build."""

    modems: int = 1
    #: One start-up fault plan per modem, in its JSON form (``gsmgateway-sim --faults-json``); None: none.
    faults: tuple[dict[str, Any] | None, ...] = ()
    per_recipient_per_hour: float = 0.0
    per_recipient_burst: int = 10
    max_attempts: int = 3
    messages_per_minute: int = 60000
    #: Seconds each simulated network waits before the status report (see :func:`plan_report_delay`).
    report_delay: float = 1.0
    profile: str = "generic"  # the simulator's profile (huawei-e173 has no "SR" storage)
    report_routing: str = "stored"
    pin: str | None = None  # the SIM PIN the config gives the modem
    sim_args: tuple[str, ...] = ()  # more gsmgateway-sim arguments (--preload FILE, --smsc-skew S)
    #: Whose programs run: the development venv's, or an extracted package's.
    runtime: Runtime = DEVELOPMENT
    #: False: everything is set up but the daemon, which the test starts its own way.
    start_daemon: bool = True
    #: Extra TOML appended to the config (a section of its own, e.g. ``[console]``).
    extra_toml: str = ""


def config_toml(root: Path, devices: list[str], options: StackOptions) -> str:
    """Return the daemon's config: port 0, fast jobs, small retry delays, one table per modem."""
    pin = f'pin = "{options.pin}"\n' if options.pin else ""
    modems = "".join(
        f'\n[[modems]]\nid = "modem-{index + 1}"\nport = "{device}"\n'
        f"messages_per_minute = {options.messages_per_minute}\n"
        f'report_routing = "{options.report_routing}"\n{pin}'
        for index, device in enumerate(devices)
    )
    return f"""\
state_dir = "{root / "state"}"
log_level = "INFO"

[api]
host = "127.0.0.1"
port = 0

[dispatch]
mode = "immediate"

[retry]
max_attempts = {options.max_attempts}
base_delay_seconds = 0.2
max_delay_seconds = 1.0
jitter = 0.0

[limits]
per_key_per_second = 0.0
per_recipient_per_hour = {options.per_recipient_per_hour}
per_recipient_burst = {options.per_recipient_burst}

[jobs]
sweep_seconds = 0.5
report_poll_seconds = 1.0
health_seconds = 1.0
report_expiry_seconds = 60.0
retention_seconds = 600.0

[directory]
default_country_code = "255"
{options.extra_toml}
{modems}"""


@dataclass
class Stack:
    """A running installation: its simulators, daemon, config file and API keys."""

    root: Path
    config: Path
    sims: list[SimulatorProcess]
    key: str
    read_only_key: str
    send_only_key: str
    group: ProcessGroup
    daemon: DaemonProcess | None = None
    restarts: int = field(default=0)
    runtime: Runtime = DEVELOPMENT

    @property
    def url(self) -> str:
        """The API base URL of the running daemon."""
        assert self.daemon is not None, "the daemon is not running"
        return self.daemon.url

    def clients(self, http: aiohttp.ClientSession) -> tuple[GatewayClient, SimulatorControl]:
        """Return the API of the daemon and the control surface of the first modem."""
        return GatewayClient(http, self.url, self.key), SimulatorControl(http, self.sims[0].control)

    async def start_daemon(
        self, env: dict[str, str] | None = None, *, wait_ready: bool = True
    ) -> DaemonProcess:
        """Start ``gsmgateway run`` on this installation (again, after a stop or a kill); wait for /ready.

        Waiting here, once per start, means a daemon that never gets its modem ready fails the
        fixture once (with its stderr) instead of every test that uses it. ``env`` adds variables;
        ``wait_ready=False`` returns once the API listens (for a modem that cannot be ready yet).
        """
        assert self.daemon is None, "the daemon is already running"
        self.restarts += 1
        daemon = await DaemonProcess.start(
            f"daemon-{self.restarts}", self.config, log_dir=self.root / "logs", runtime=self.runtime, env=env
        )
        self.daemon = daemon
        self.group.running.append(daemon)
        if not wait_ready:
            return daemon
        async with aiohttp.ClientSession() as session:
            try:
                await GatewayClient(session, daemon.url, self.key).wait_ready()
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{daemon.proc.describe()}") from None
        return daemon

    async def stop_daemon(self) -> None:
        """SIGTERM the daemon and require exit 0."""
        daemon, self.daemon = self.daemon, None
        assert daemon is not None
        self.group.running.remove(daemon)
        await daemon.stop()

    async def kill_daemon(self) -> None:
        """``kill -9`` the daemon: no orderly shutdown."""
        daemon, self.daemon = self.daemon, None
        assert daemon is not None
        self.group.running.remove(daemon)
        await daemon.kill()


async def plan_report_delay(sims: list[SimulatorProcess], numbers: list[str], delay: float) -> None:
    """Have each simulated network report ``delay`` seconds after a submit, as real networks do.

    The simulator's default is to report at once; the race that opens is tested on purpose by
    ``test_reports_right_after_the_submit_are_not_lost`` and kept out of every other scenario.
    """
    async with aiohttp.ClientSession() as session:
        for sim in sims:
            control = SimulatorControl(session, sim.control)
            for number in numbers:
                await control.plan(number, "DELIVERED", delay=delay)


async def build_stack(root: Path, group: ProcessGroup, options: StackOptions) -> Stack:
    """Start the simulators, write the config, create keys, import the directory, start the daemon.

    Every process started is registered in ``group`` first, so the caller's teardown stops it even
    if a later step fails.
    """
    logs = root / "logs"
    sims: list[SimulatorProcess] = []
    for index in range(options.modems):
        faults = options.faults[index] if index < len(options.faults) else None
        sim = await SimulatorProcess.start(
            f"sim-{index + 1}",
            root / f"modem{index + 1}",
            log_dir=logs,
            faults=faults,
            runtime=options.runtime,
            extra_args=("--profile", options.profile, *options.sim_args),
        )
        group.running.append(sim)
        sims.append(sim)
    numbers = [number_of(cid) for cid in CLIENT_IDS] + [STAFF_NUMBER]
    await plan_report_delay(sims, numbers, options.report_delay)
    config = root / "gsmgateway.toml"
    config.write_text(config_toml(root, [sim.device for sim in sims], options), encoding="utf-8")
    csv_path = root / "directory.csv"
    csv_path.write_text(directory_csv(), encoding="utf-8")
    runtime = options.runtime
    await import_directory(config, csv_path, runtime)  # first: it creates the database (migrations)
    key, read_only, send_only = await asyncio.gather(  # three interpreters start faster side by side
        create_api_key(config, "platform", FULL_SCOPES, runtime),
        create_api_key(config, "reporting", "sms:read", runtime),
        create_api_key(config, "sender", "sms:send", runtime),
    )
    stack = Stack(root, config, sims, key, read_only, send_only, group, runtime=runtime)
    if options.start_daemon:
        await stack.start_daemon()
    return stack
