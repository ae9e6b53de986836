"""``gsmgateway modem probe`` and ``modem list``: what a person with a real modem wants to know.

The probe runs the driver's own initialisation (so it finds exactly the problems the gateway
would), then looks at each memory (used/total) and tries every report routing to say which ones
will actually work — not just which ``AT+CNMI`` the modem accepts: polling needs a memory that
keeps reports, which SIMCom's SIM800 does not have. It returns text; printing is the CLI's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gsmgateway.core.errors import ModemError, ModemProtocolError
from gsmgateway.modem import responses
from gsmgateway.modem.initialise import Commander, Setup, can_poll, initialise, read_signal_and_operator
from gsmgateway.modem.options import DriverOptions, ReportRouting
from gsmgateway.modem.session import AtSession
from gsmgateway.modem.storage import StorageLayout
from gsmgateway.modem.transport import Opener, PortInfo, list_ports


@dataclass
class ProbeReport:
    """Everything the probe learnt; ``problems`` lists what went wrong along the way."""

    setup: Setup | None = None
    rssi: int | None = None
    operator: str | None = None
    storages: list[str] = field(default_factory=list)
    #: Each routing: None when it works, else why not.
    routings: dict[ReportRouting, str | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the modem initialised and can send."""
        return self.setup is not None and self.setup.state == "ready"


async def probe(opener: Opener, *, options: DriverOptions | None = None) -> ProbeReport:
    """Open the modem once, initialise it and report; the port is closed afterwards."""
    options = options or DriverOptions(busy_retry_delay=0.5)
    report = ProbeReport()
    stream = await opener()
    session = AtSession(stream, modem_id="probe", stale_grace=options.stale_grace)
    session.start()
    try:
        commander = Commander(session, options)
        try:
            report.setup = await initialise(commander)
        except ModemError as exc:
            report.problems.append(f"initialisation failed: {exc}")
            return report
        if report.setup.state == "sim_error":
            return report
        try:
            report.rssi, report.operator = await read_signal_and_operator(commander)
            await _storages(commander, report, report.setup.layout)
            await _routings(commander, report, report.setup)
        except ModemError as exc:  # garbled answer or link gone after init: say so, keep what we have
            report.problems.append(f"probe stopped after initialisation: {exc}")
    finally:
        await session.close()
    return report


async def _storages(commander: Commander, report: ProbeReport, layout: StorageLayout) -> None:
    """One line per memory the sweeps read: slots used and total, or why it cannot be read."""
    for memory in layout.swept:
        lines = await commander.optional(f'AT+CPMS="{memory}"', prefix="+CPMS:")
        try:
            usage = responses.parse_cpms_usage(lines) if lines else []
        except ModemProtocolError:
            usage = []
        used = f"{usage[0][0]}/{usage[0][1]} used" if usage else "cannot be selected"
        report.storages.append(f"{memory}: {used}")
    if layout.home is not None:
        await commander.optional(f'AT+CPMS="{layout.home}"', prefix="+CPMS:")


async def _routings(commander: Commander, report: ProbeReport, setup: Setup) -> None:
    """Try each ``<ds>``; say which will really bring reports; leave the modem on the driver's choice."""
    for routing in ReportRouting:
        if await commander.optional(routing.cnmi) is None:
            report.routings[routing] = "refused by the modem (+CNMI)"
        else:
            report.routings[routing] = None
    if report.routings[ReportRouting.POLL] is None and not await can_poll(commander, setup.layout):
        report.routings[ReportRouting.POLL] = "no memory keeps reports here: they would be lost"
    if setup.routing is not None:
        await commander.optional(setup.routing.cnmi)


def _routing_line(report: ProbeReport, setup: Setup) -> str:
    works = []
    for routing, problem in report.routings.items():
        if problem is None and routing is ReportRouting.POLL:
            works.append(f"poll (sweeps {', '.join(setup.layout.swept) or '?'})")
        elif problem is None:
            works.append(routing.value)
    refused = [f"{r.value}: {problem}" for r, problem in report.routings.items() if problem is not None]
    line = f"report routing: works {', '.join(works) or 'none'}; using {setup.routing or 'none'}"
    return line + (f"; not {'; '.join(refused)}" if refused else "")


def format_report(device: str, report: ProbeReport) -> str:
    """Render a probe report as the lines ``gsmgateway modem probe`` prints."""
    lines = [f"device:        {device}"]
    setup = report.setup
    if setup is not None:
        identity = setup.identity
        lines += [
            f"manufacturer:  {identity.manufacturer or '?'}",
            f"model:         {identity.model or '?'}",
            f"revision:      {identity.revision or '?'}",
            f"IMEI:          {identity.imei or '?'}",
            f"IMSI:          {identity.imsi or '?'}",
            f"ICCID:         {identity.iccid or '?'}",
            f"state:         {setup.state} ({setup.detail})",
            f"SIM:           {'ready' if setup.state != 'sim_error' else setup.detail}",
            f"operator:      {report.operator or '?'}",
            f"signal:        {_signal(report.rssi)}",
            f"SMSC:          {setup.smsc or 'not set'}",
            f"storage:       received SMS kept in {setup.layout.home or '?'}; "
            f"readable {', '.join(setup.layout.readable) or '?'}",
            *(f"  {line}" for line in report.storages),
            f"+CNMA needed:  {'yes' if setup.ack_required else 'no'}",
        ]
        if report.routings:
            lines.append(_routing_line(report, setup))
    lines += [f"problem:       {problem}" for problem in report.problems]
    return "\n".join(lines)


def _signal(rssi: int | None) -> str:
    dbm = responses.rssi_to_dbm(rssi)
    return "unknown" if dbm is None else f"{dbm} dBm (rssi {rssi})"


def format_ports(ports: list[PortInfo], *, show_all: bool = False) -> str:
    """Render ``gsmgateway modem list``: one port per line, stable by-id path first when known."""
    shown = [p for p in ports if show_all or p.looks_like_modem]
    if not shown:
        return "no serial ports that look like modems (try --all)"
    rows = []
    for port in shown:
        vid_pid = f"{port.vid:04x}:{port.pid:04x}" if port.vid is not None and port.pid is not None else "-"
        rows.append(f"{port.by_id or port.device}\t{port.device}\t{vid_pid}\t{port.description}")
    return "\n".join(rows)


def modem_ports(*, show_all: bool = False) -> str:
    """Return the text of ``gsmgateway modem list``."""
    return format_ports(list_ports(), show_all=show_all)
