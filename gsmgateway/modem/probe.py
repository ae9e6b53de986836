"""``gsmgateway modem probe`` and ``modem list``: what a person with a real modem wants to know.

The probe runs the driver's own initialisation (so it finds exactly the problems the gateway
would), then asks for storages and tries every report routing to say which ones the modem accepts.
It returns text; printing is the CLI's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gsmgateway.core.errors import ModemError
from gsmgateway.modem import responses
from gsmgateway.modem.initialise import Commander, Setup, initialise, read_signal_and_operator
from gsmgateway.modem.options import DriverOptions, ReportRouting
from gsmgateway.modem.session import AtSession
from gsmgateway.modem.transport import Opener, PortInfo, list_ports


@dataclass
class ProbeReport:
    """Everything the probe learnt; ``problems`` lists what went wrong along the way."""

    setup: Setup | None = None
    rssi: int | None = None
    operator: str | None = None
    storages: list[str] = field(default_factory=list)
    routings: dict[ReportRouting, bool] = field(default_factory=dict)
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
            await _storages(commander, report)
            await _routings(commander, report, report.setup.routing)
        except ModemError as exc:  # garbled answer or link gone after init: say so, keep what we have
            report.problems.append(f"probe stopped after initialisation: {exc}")
    finally:
        await session.close()
    return report


async def _storages(commander: Commander, report: ProbeReport) -> None:
    lines = await commander.optional("AT+CPMS=?", prefix="+CPMS:")
    slots = responses.parse_cpms_test(lines) if lines else []
    report.storages = [",".join(slot) for slot in slots]
    current = await commander.optional("AT+CPMS?", prefix="+CPMS:")
    if current:
        report.storages.append("in use: " + responses.find(current, "+CPMS:"))


async def _routings(commander: Commander, report: ProbeReport, chosen: ReportRouting | None) -> None:
    """Try each ``<ds>``; leave the modem on the routing the driver chose."""
    for routing in ReportRouting:
        report.routings[routing] = await commander.optional(routing.cnmi) is not None
    if chosen is not None:
        await commander.optional(chosen.cnmi)


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
            f"storage:       {setup.layout.home or '?'}; offered {' / '.join(report.storages) or '?'}",
            f"+CNMA needed:  {'yes' if setup.ack_required else 'no'}",
        ]
        works = [r.value for r, ok in report.routings.items() if ok]
        lines.append(
            f"report routing: accepted {', '.join(works) or 'none'}; using {setup.routing or 'none'}"
        )
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
