"""Modem profiles: the identity, defaults and firmware quirks of real modem families.

Every quirk a gateway has to survive in the field (reference gsm-at-and-pdu.md §4, the
python-gsmmodem fake modems, asterisk-chan-quectel PR #75) is a typed flag here, so a test can
say "a Quectel EC25" and get the lie about ``+CDSI: "SM"`` without writing bytes by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class Memory(StrEnum):
    """Message storages of 27.005 §3.2.2: SIM, phone, and status reports."""

    SM = "SM"
    ME = "ME"
    SR = "SR"


@dataclass(frozen=True)
class BusyWindow:
    """Commands answered with a "busy, init in progress" error right after a trigger.

    Quectel EC25 answers the first command(s) after boot with ``+CMS ERROR: 515``; Wavecom
    answers the two commands after ``AT+CFUN=1`` with ``+CME ERROR: 515``.
    """

    commands: int
    cms: bool
    code: int = 515


@dataclass(frozen=True)
class Quirks:
    """Deviations from 27.005/27.007 seen on real firmware; all off means "by the book"."""

    #: Huawei E1752: ``COMMAND NOT SUPPORT`` instead of ``ERROR`` for an unknown command.
    unknown_command_text: str = "ERROR"
    #: Huawei E1752: ``+CLAC`` lines without prefix, each ending ``\r\r\n``.
    clac_line_end: str = "\r\n"
    #: Quectel EC25: ``+CDSI`` names this memory although the report is stored in SR.
    cdsi_announced_memory: Memory | None = None
    #: ``+CNMI`` ``<ds>`` values accepted; SIMCom SIM800 delivers reports directly only.
    supported_ds: tuple[int, ...] = (0, 1, 2)
    #: Wavecom: ``+CPIN: READY`` without the final ``OK`` (python-gsmmodem issue #19).
    cpin_ready_without_ok: bool = False
    #: Wavecom: ``AT+CPMS=?`` lists two slots; a three-argument ``AT+CPMS`` is an ``ERROR``.
    cpms_two_slots: bool = False
    #: Wavecom: ``AT+CGMI`` answers with a leading space (`` WAVECOM MODEM``).
    cgmi_leading_space: bool = False
    #: ZTE: ``AT+CSMP=`` wipes the SMSC address (python-gsmmodem issue #8).
    csmp_wipes_smsc: bool = False
    #: ZTE/Qualcomm: the first ``AT+CSCA?`` after boot get ``+CME ERROR: 14`` (SIM busy).
    csca_busy_after_boot: int = 0
    #: ZTE: URCs printed before the ``> `` prompt and before ``+CMGS:`` (issue #11).
    urcs_around_send: tuple[str, ...] = ()
    #: Busy errors for the first commands after boot (Quectel EC25).
    busy_after_boot: BusyWindow | None = None
    #: Busy errors for the commands after ``AT+CFUN=1`` (Wavecom).
    busy_after_cfun: BusyWindow | None = None
    #: URCs printed once at power-up (``RDY``, ``+QIND``, ``Call Ready``/``SMS Ready``).
    boot_urcs: tuple[str, ...] = ()
    #: Huawei ``^RSSI``: a signal URC repeated every this many seconds (None = never).
    periodic_rssi_seconds: float | None = None
    #: Template for the periodic signal URC; ``{rssi}`` is filled in.
    rssi_urc: str = "^RSSI: {rssi}"


def _capacities(*, sm: int, me: int, sr: int) -> Mapping[Memory, int]:
    """Return a read-only capacity table, so a shared frozen profile stays unchanged."""
    return MappingProxyType({Memory.SM: sm, Memory.ME: me, Memory.SR: sr})


@dataclass(frozen=True)
class Profile:
    """Everything that makes one simulated modem differ from another.

    Frozen, so a test can share one between simulators without cross-talk.
    """

    name: str
    manufacturer: str
    model: str
    revision: str
    imei: str
    imsi: str = "640021234567890"
    iccid: str = "89255021234567890123"
    sim_pin: str | None = None
    sim_puk: str = "12345678"
    operator_long: str = "SimTel"
    operator_short: str = "SIMTEL"
    operator_numeric: str = "64002"
    access_technology: int = 2  # UTRAN
    smsc: str = "+255780000004"
    signal_rssi: int = 20
    registration: int = 1  # home network once the SIM is ready
    lac: str = "00A1"
    cell_id: str = "0000B2C3"
    capacities: Mapping[Memory, int] = field(default_factory=lambda: _capacities(sm=30, me=100, sr=30))
    default_cnmi: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    default_memory: Memory = Memory.SM
    supported_memories: tuple[Memory, ...] = (Memory.SM, Memory.ME, Memory.SR)
    #: Seconds the network takes to report when no outcome is planned for a recipient.
    default_report_delay: float = 0.0
    quirks: Quirks = field(default_factory=Quirks)

    def __hash__(self) -> int:
        return hash(self.name)


_GENERIC: Final = Profile(
    name="generic",
    manufacturer="SimModem",
    model="GSM-27005",
    revision="1.0.0",
    imei="356938035643809",
)

_HUAWEI_E173: Final = Profile(
    name="huawei-e173",
    manufacturer="huawei",
    model="E173",
    revision="11.126.85.00.209",
    imei="353142046123456",
    capacities=_capacities(sm=50, me=255, sr=50),
    default_cnmi=(2, 1, 0, 2, 0),
    quirks=Quirks(
        unknown_command_text="COMMAND NOT SUPPORT",
        clac_line_end="\r\r\n",
        boot_urcs=("^RSSI: 20", "^MODE: 5,4"),
        periodic_rssi_seconds=10.0,
    ),
)

_QUECTEL_EC25: Final = Profile(
    name="quectel-ec25",
    manufacturer="Quectel",
    model="EC25",
    revision="EC25EFAR06A06M4G",
    imei="866758041234567",
    access_technology=7,
    capacities=_capacities(sm=50, me=255, sr=50),
    default_memory=Memory.ME,
    quirks=Quirks(
        cdsi_announced_memory=Memory.SM,
        busy_after_boot=BusyWindow(commands=1, cms=True),
        boot_urcs=("RDY", "+CFUN: 1", "+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"),
    ),
)

_SIMCOM_SIM800: Final = Profile(
    name="simcom-sim800",
    manufacturer="SIMCOM_Ltd",
    model="SIMCOM_SIM800L",
    revision="Revision:1418B04SIM800L24",
    imei="864764031234567",
    access_technology=0,
    capacities=_capacities(sm=30, me=50, sr=30),
    default_cnmi=(2, 1, 0, 1, 0),
    quirks=Quirks(
        supported_ds=(0, 1),
        boot_urcs=("RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready"),
    ),
)

_WAVECOM: Final = Profile(
    name="wavecom",
    manufacturer="WAVECOM MODEM",
    model="MULTIBAND  900E  1800",
    revision="641b09gg.Q2403A 1320676 061804 14:38",
    imei="359012345678901",
    access_technology=0,
    supported_memories=(Memory.SM, Memory.SR),
    quirks=Quirks(
        cpin_ready_without_ok=True,
        cpms_two_slots=True,
        cgmi_leading_space=True,
        busy_after_cfun=BusyWindow(commands=2, cms=False),
        boot_urcs=("+WIND: 3", "+WIND: 1", "+WIND: 7", "+WIND: 4"),
    ),
)

_ZTE: Final = Profile(
    name="zte",
    manufacturer="ZTE CORPORATION",
    model="K3565-Z",
    revision="BD_P673A2V1.0.0B09",
    imei="351234012345678",
    capacities=_capacities(sm=30, me=100, sr=30),
    quirks=Quirks(
        csmp_wipes_smsc=True,
        csca_busy_after_boot=2,
        urcs_around_send=('+ZPASR: "UMTS"',),
        boot_urcs=("+ZUSIMR:2", '+ZPASR: "UMTS"'),
    ),
)

_PROFILES: Final[dict[str, Profile]] = {
    p.name: p for p in (_GENERIC, _HUAWEI_E173, _QUECTEL_EC25, _SIMCOM_SIM800, _WAVECOM, _ZTE)
}


def profile_names() -> list[str]:
    """Return the names a user may pass as ``--profile`` (sorted, generic first)."""
    return ["generic", *sorted(n for n in _PROFILES if n != "generic")]


def get_profile(name: str) -> Profile:
    """Return the built-in profile called ``name``, or the one a ``.toml`` file describes.

    :raises KeyError: with the list of known names, so a typo on the command line is obvious.
    :raises ValueError: for a profile file with problems (all of them listed).
    """
    if name.endswith(".toml"):
        from simulator.profile_file import load_profile

        return load_profile(name)
    try:
        return _PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown modem profile {name!r}; known: {', '.join(profile_names())}") from None
