"""Value types of the driver: its options, what the modem is, and how it is doing."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gsmgateway.core.models import ModemState
from gsmgateway.core.modem_settings import is_sim_pin, is_smsc_address


class ReportRouting(StrEnum):
    """How status reports reach us (``AT+CNMI`` ``<ds>``, reference §5.3).

    ``stored`` survives a daemon restart (the report waits in SR storage) and is the default;
    ``direct`` is lower latency but a report is gone if nobody listens; ``poll`` relies on the
    SR sweep alone. The driver falls back in that order when the modem refuses one.
    """

    STORED = "stored"  # ds=2: +CDSI: <mem>,<index>
    DIRECT = "direct"  # ds=1: +CDS: <length> + PDU line
    POLL = "poll"  # ds=0: reports only in SR storage, read by the sweep

    @property
    def ds(self) -> int:
        """The ``<ds>`` value of ``AT+CNMI``."""
        return {ReportRouting.STORED: 2, ReportRouting.DIRECT: 1, ReportRouting.POLL: 0}[self]

    @property
    def cnmi(self) -> str:
        """The command that selects this routing (new SMS announced with ``+CMTI``, buffered in mode 2)."""
        return f"AT+CNMI=2,1,0,{self.ds},0"


@dataclass(frozen=True, slots=True)
class DriverOptions:
    """Everything a deployment may tune about one modem; the defaults suit a USB dongle.

    Timeouts are seconds. ``send_timeout`` runs from Ctrl-Z to ``+CMGS`` and is generous: past it
    the outcome is unknown, so a short one turns slow networks into ``unknown`` messages.
    ``listing_timeout`` bounds ``AT+CMGL``, whose answer grows with the storage.
    ``escape_settle`` is the quiet period after the ESC that starts every connection.
    ``presence_poll`` is how often a missing device's path is looked at (a replug is noticed
    within it); ``reconnect_delay``…``reconnect_delay_max`` is the back-off for a device that
    exists but cannot be opened or initialised.
    ``ack_messages`` forces ``AT+CNMA`` after ``+CDS``/``+CMT`` (None: when ``AT+CSMS?`` says 1).
    """

    pin: str | None = None
    smsc: str | None = None
    report_routing: ReportRouting = ReportRouting.STORED
    ack_messages: bool | None = None
    command_timeout: float = 10.0
    prompt_timeout: float = 10.0
    send_timeout: float = 90.0
    listing_timeout: float = 60.0
    busy_retries: int = 6
    busy_retry_delay: float = 1.0
    reconnect_delay: float = 0.5
    reconnect_delay_max: float = 30.0
    presence_poll: float = 0.1
    registration_poll: float = 10.0
    stale_grace: float = 1.0
    escape_settle: float = 0.2
    max_timeouts: int = 3
    sweep_on_connect: bool = True

    def __post_init__(self) -> None:
        """Refuse options that would make the driver hang or spin."""
        timeouts = (
            self.command_timeout,
            self.prompt_timeout,
            self.send_timeout,
            self.listing_timeout,
            self.stale_grace,
        )
        if (
            min(timeouts) <= 0
            or self.reconnect_delay <= 0
            or self.presence_poll <= 0
            or self.registration_poll <= 0
            or self.escape_settle < 0
        ):
            raise ValueError("timeouts and delays must be positive")
        if self.reconnect_delay_max < self.reconnect_delay:
            raise ValueError("reconnect_delay_max must be >= reconnect_delay")
        if self.busy_retries < 0 or self.busy_retry_delay < 0 or self.max_timeouts < 1:
            raise ValueError("busy_retries/busy_retry_delay must be >= 0 and max_timeouts >= 1")
        if self.pin is not None and not is_sim_pin(self.pin):
            raise ValueError("a SIM PIN is 4 to 8 digits")
        if self.smsc is not None and not is_smsc_address(self.smsc):
            raise ValueError("the SMSC must be + and 6-15 digits")


@dataclass(frozen=True, slots=True)
class Identity:
    """What the modem and SIM say they are; None where the modem would not tell."""

    manufacturer: str | None = None
    model: str | None = None
    revision: str | None = None
    imei: str | None = None
    imsi: str | None = None
    iccid: str | None = None


@dataclass(frozen=True, slots=True)
class Health:
    """One look at the modem: shown by ``GET /modems`` and logged by the health job."""

    state: ModemState
    rssi: int | None
    dbm: int | None
    registration: str
    operator: str | None
    smsc: str | None
    routing: ReportRouting | None
    storage: str | None
