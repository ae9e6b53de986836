"""The initialisation sequence, written to survive the quirks of real modem families.

Order (reference §6): ``AT``, ``ATE0``, ``AT+CMEE=1``, SIM (``AT+CPIN?``, PIN), ``AT+CMGF=0``,
``AT+CSMS?``, storage (``AT+CPMS``), report routing (``AT+CNMI``), SMSC (``AT+CSCA``), identity,
registration. ``AT+CSMP`` is never sent: it is text mode only and wipes the SMSC on ZTE.
Busy answers (``+CME ERROR: 14``, ``515``, ``+CMS ERROR: 314/512/515``: EC25 right after boot,
Wavecom after ``AT+CFUN=1``, ZTE's ``AT+CSCA?``) are retried a bounded number of times.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from dataclasses import dataclass, field

from gsmgateway.core.decimals import is_ascii_decimal
from gsmgateway.core.errors import CmeError, CmsError, ModemCommandError, ModemProtocolError
from gsmgateway.core.models import ModemReason, ModemState
from gsmgateway.modem import responses
from gsmgateway.modem.codec import shown
from gsmgateway.modem.options import DriverOptions, Identity, ReportRouting
from gsmgateway.modem.results import BUSY_CODES, CME_SIM_PROBLEMS, describe_cme
from gsmgateway.modem.session import AtSession
from gsmgateway.modem.storage import StorageLayout

logger = logging.getLogger(__name__)
_ROUTING_ORDER = (ReportRouting.STORED, ReportRouting.DIRECT, ReportRouting.POLL)
#: SIM problems (``+CME ERROR`` numbers) an operator fixes by entering or changing the PIN.
_PIN_CODES = frozenset({11, 16})


@dataclass(frozen=True, slots=True)
class Setup:
    """What initialisation found and chose."""

    state: ModemState
    detail: str
    identity: Identity
    reason: ModemReason | None = None
    routing: ReportRouting | None = None
    layout: StorageLayout = field(default_factory=StorageLayout)
    ack_required: bool = False
    smsc: str | None = None


class Commander:
    """Runs commands on a session with the driver's deadline and bounded busy retries."""

    def __init__(self, session: AtSession, options: DriverOptions) -> None:
        self.session = session
        self.options = options

    async def run(
        self, command: str, *, prefix: str | None = None, done_on_prefix: bool = False
    ) -> list[str]:
        """Run ``command``; retry busy answers up to ``options.busy_retries`` times.

        :raises ModemCommandError: any other error answer, or still busy after the retries.
        """
        for attempt in range(self.options.busy_retries + 1):
            try:
                return await self.session.execute(
                    command, within=self.options.command_timeout, prefix=prefix, done_on_prefix=done_on_prefix
                )
            except ModemCommandError as exc:
                if exc.code not in BUSY_CODES or attempt == self.options.busy_retries:
                    raise
                logger.info(
                    "%s: %s busy (%s); retry %d", self.session.modem_id, shown(command), exc, attempt + 1
                )
                await asyncio.sleep(self.options.busy_retry_delay)  # back-off, not a wait for an event
        raise AssertionError("unreachable")  # pragma: no cover

    async def optional(self, command: str, *, prefix: str | None = None) -> list[str] | None:
        """Run a command some modems do not support; None when it fails with an error answer."""
        try:
            return await self.run(command, prefix=prefix)
        except ModemCommandError as exc:
            logger.info("%s: %s not supported here: %s", self.session.modem_id, shown(command), exc)
            return None


async def initialise(commander: Commander) -> Setup:
    """Bring a freshly opened modem to a known state and say whether it can send."""
    await commander.session.escape(commander.options.escape_settle)
    await commander.run("AT")
    await commander.run("ATE0")
    await commander.optional("AT+CMEE=1")
    sim_problem = await _unlock_sim(commander)
    if sim_problem is not None:
        identity = await read_identity(commander, sim_ready=False)
        return Setup(ModemState.SIM_ERROR, sim_problem[1], identity, reason=sim_problem[0])
    await commander.run("AT+CMGF=0")
    await commander.optional('AT+CSCS="GSM"')
    ack_required = await _ack_required(commander)
    layout = await _choose_storage(commander)
    routing = await _set_routing(commander, layout)
    smsc = await _check_smsc(commander)
    identity = await read_identity(commander, sim_ready=True)
    await commander.optional("AT+COPS=3,0")
    await commander.optional("AT+CREG=1")  # registration changes come as +CREG URCs, no poll needed
    registration = await read_registration(commander)
    if registration in responses.REGISTERED:
        return Setup(ModemState.READY, registration, identity, None, routing, layout, ack_required, smsc)
    return Setup(
        ModemState.NO_NETWORK,
        registration,
        identity,
        ModemReason.NETWORK,
        routing,
        layout,
        ack_required,
        smsc,
    )


async def read_signal_and_operator(commander: Commander) -> tuple[int | None, str | None]:
    """Return ``+CSQ`` RSSI and the ``+COPS`` operator; a missing or garbled answer is None."""
    rssi = operator = None
    csq = await commander.optional("AT+CSQ", prefix="+CSQ:")
    with suppress(ModemProtocolError):  # a garbled answer is "unknown", not a failure
        rssi = responses.parse_csq(csq)[0] if csq else None
    cops = await commander.optional("AT+COPS?", prefix="+COPS:")
    with suppress(ModemProtocolError):
        operator = responses.parse_cops(cops) if cops else None
    return rssi, operator


async def read_registration(commander: Commander) -> str:
    """Return the ``+CREG`` state word (``home``, ``roaming``, ``searching`` …)."""
    lines = await commander.run("AT+CREG?", prefix="+CREG:")
    return responses.parse_creg(lines)


async def _unlock_sim(commander: Commander) -> tuple[ModemReason, str] | None:
    """Enter the PIN if asked; return why the SIM cannot be used, or None when it is ready.

    Never with the PIN itself in the answer: it goes to the log and to ``GET /modems``.
    """
    try:
        state = responses.parse_cpin(await commander.run("AT+CPIN?", prefix="+CPIN:", done_on_prefix=True))
    except CmeError as exc:
        if exc.code in CME_SIM_PROBLEMS:
            reason = ModemReason.PIN if exc.code in _PIN_CODES else ModemReason.SIM
            return reason, f"SIM: {describe_cme(exc.code)} (+CME ERROR: {exc.code})"
        raise
    if state == "READY":
        return None
    pin = commander.options.pin
    if state != "SIM PIN":
        return ModemReason.SIM, f"SIM needs {state}; only a PIN can be entered automatically"
    if pin is None:
        return ModemReason.PIN, "SIM PIN required but none configured"
    try:
        await commander.run(f'AT+CPIN="{pin}"')
    except CmeError as exc:
        code = f"+CME ERROR: {exc.code}" if exc.code is not None else "ERROR"
        return ModemReason.PIN, f"the configured PIN was refused ({code})"
    state = responses.parse_cpin(await commander.run("AT+CPIN?", prefix="+CPIN:", done_on_prefix=True))
    return None if state == "READY" else (ModemReason.SIM, f"SIM still {state} after the PIN")


async def _ack_required(commander: Commander) -> bool:
    """Return whether ``+CDS``/``+CMT`` must be acknowledged with ``AT+CNMA`` (``+CSMS`` service 1)."""
    if commander.options.ack_messages is not None:
        return commander.options.ack_messages
    lines = await commander.optional("AT+CSMS?", prefix="+CSMS:")
    if not lines:
        return False
    try:
        return responses.parse_int_field(lines, "+CSMS:") == 1
    except ModemProtocolError:
        return False


async def _choose_storage(commander: Commander) -> StorageLayout:
    """Learn the memories offered for reading; keep received SMS on the SIM where offered.

    ``AT+CPMS=?`` lists per slot what may be read, written and received into (Wavecom lists two
    slots). Received SMS go to SM if offered, else the first memory; SR is never a home for SMS.
    """
    lines = await commander.optional("AT+CPMS=?", prefix="+CPMS:")
    try:
        slots = responses.parse_cpms_test(lines) if lines else []
    except ModemProtocolError:
        slots = []
    readable = tuple(slots[0]) if slots else ()
    offered = [m for m in readable if m != "SR"]
    if not offered:
        return StorageLayout(readable=readable)
    memory = "SM" if "SM" in offered else offered[0]
    arguments = ",".join(f'"{memory}"' for _ in range(min(len(slots), 3)))
    for attempt in (arguments, f'"{memory}","{memory}"', f'"{memory}"'):
        if await commander.optional(f"AT+CPMS={attempt}", prefix="+CPMS:") is not None:
            return StorageLayout(readable=readable, home=memory)
    return StorageLayout(readable=readable)


async def _set_routing(commander: Commander, layout: StorageLayout) -> ReportRouting | None:
    """Set ``AT+CNMI=2,1,0,<ds>,0`` for the preferred routing, falling back when it cannot work.

    Polling needs reports to be stored somewhere: an ``"SR"`` memory, or (SR-less Huawei/ZTE)
    the memory ``+CDSI`` would name. A modem with neither (SIMCom SIM800: ``ds`` 0 or 1 only, no
    ``"SR"``) accepts ``ds=0`` and then throws every report away, so polling is skipped there.
    """
    preferred = commander.options.report_routing
    order = [preferred, *(r for r in _ROUTING_ORDER if r is not preferred)]
    for routing in order:
        if routing is ReportRouting.POLL and not await can_poll(commander, layout):
            logger.warning("%s: poll routing would lose reports here (no memory keeps them); not used",
                           commander.session.modem_id)  # fmt: skip
            continue
        if await _select_routing(commander, routing):
            return routing
    logger.warning("%s: no +CNMI setting accepted; relying on sweeps", commander.session.modem_id)
    return None


async def _select_routing(commander: Commander, routing: ReportRouting) -> bool:
    for command in (routing.cnmi, routing.cnmi.removesuffix(",0")):  # some modems take only 4 args
        if await commander.optional(command) is not None:
            return True
    return False


async def can_poll(commander: Commander, layout: StorageLayout) -> bool:
    """Whether this modem keeps reports in a memory a sweep can read (SR, or where ``+CDSI`` would say)."""
    return layout.has_report_storage or await _select_routing(commander, ReportRouting.STORED)


async def _check_smsc(commander: Commander) -> str | None:
    """Return the SMSC, setting it first when configured and different (or missing)."""
    wanted = commander.options.smsc
    try:
        current = responses.parse_csca(await commander.run("AT+CSCA?", prefix="+CSCA:"))
    except CmsError as exc:
        if exc.code != 330:  # 330: SMSC address unknown
            raise
        current = None
    if wanted is not None and current != wanted:
        await commander.run(f'AT+CSCA="{wanted}",145')
        return wanted
    if current is None:
        logger.warning("%s: no SMSC set and none configured; sends will fail", commander.session.modem_id)
    return current


async def read_identity(commander: Commander, *, sim_ready: bool) -> Identity:
    """Ask the modem (and, when ready, the SIM) who it is; missing answers stay None."""

    async def first(command: str, *, digits: bool = False) -> str | None:
        lines = await commander.optional(command)
        for line in lines or ():
            value = line.split(":", 1)[1].strip() if line.startswith("+") and ":" in line else line.strip()
            value = value.strip('"')
            if value and (not digits or is_ascii_decimal(value)) and not line.startswith("^"):
                return value
        return None

    return Identity(
        manufacturer=await first("AT+CGMI"),
        model=await first("AT+CGMM"),
        revision=await first("AT+CGMR"),
        imei=await first("AT+CGSN", digits=True),
        imsi=await first("AT+CIMI", digits=True) if sim_ready else None,
        iccid=await first("AT+CCID") if sim_ready else None,
    )
