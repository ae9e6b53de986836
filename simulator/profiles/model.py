"""The shape of a modem profile: identity, defaults, storages and typed firmware quirks.

Every quirk a gateway has to survive in the field is a typed flag here, so a test can say "a
Quectel EC25" and get the lie about ``+CDSI: "SM"`` without writing bytes by hand. The profiles
themselves, with the evidence for each quirk, are in :mod:`simulator.profiles.builtin`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from simulator.profiles.memory import Memory, ReportStorage
from simulator.profiles.preload import Preload, check_fits


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
    #: Quectel EC25: ``+CDSI`` names this memory although the report is stored elsewhere (SR).
    cdsi_announced_memory: Memory | None = None
    #: ``+CNMI`` ``<ds>`` values accepted; SIMCom SIM800 delivers reports directly only.
    supported_ds: tuple[int, ...] = (0, 1, 2)
    #: Wavecom: ``+CPIN: READY`` without the final ``OK`` (python-gsmmodem issue #19).
    cpin_ready_without_ok: bool = False
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
    #: URC printed when a delivery finds its memory full (Huawei ``^SMMEMFULL: "SM"``);
    #: ``{memory}`` is filled in. None: the firmware says nothing.
    memory_full_urc: str | None = None
    #: ``AT+CFUN?`` answers in the test form ``+CFUN: (0-1,4-7),(0-1)`` (ZTE K3565-Z).
    cfun_read_as_test: bool = False
    #: Vendor commands the firmware answers (``^CURC``, ``+ZOPRT``, …); any other vendor command is
    #: unknown to it, as on the real device.
    vendor_commands: frozenset[str] = frozenset()


def capacity_table(*, sm: int, me: int, sr: int = 0, bm: int = 0) -> Mapping[Memory, int]:
    """Return a read-only capacity table, so a shared frozen profile stays unchanged."""
    return MappingProxyType({Memory.SM: sm, Memory.ME: me, Memory.SR: sr, Memory.BM: bm})


#: What 27.005's example modem offers: every memory for reading, no "SR" for writing or receiving.
STANDARD_SLOTS: Final = (
    (Memory.SM, Memory.ME, Memory.SR),
    (Memory.SM, Memory.ME),
    (Memory.SM, Memory.ME),
)


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
    capacities: Mapping[Memory, int] = field(default_factory=lambda: capacity_table(sm=30, me=100, sr=30))
    default_cnmi: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    default_memory: Memory = Memory.SM
    #: What ``AT+CPMS=?`` offers per slot (read/delete, write/send, receive); two slots on Wavecom.
    memory_slots: tuple[tuple[Memory, ...], ...] = STANDARD_SLOTS
    #: Where stored status reports go, and which memory ``+CDSI`` names (None: the same one).
    report_storage: ReportStorage = ReportStorage.SR
    #: The lowest storage index: 1 by 27.005's examples, 0 on Huawei and Quectel firmware.
    first_index: int = 1
    #: Messages on the SIM and in the phone at power-on (old SMS, old reports).
    preload: tuple[Preload, ...] = ()
    #: Seconds the network takes to report when no outcome is planned for a recipient.
    default_report_delay: float = 0.0
    quirks: Quirks = field(default_factory=Quirks)

    def __post_init__(self) -> None:
        """Refuse a profile no firmware could have: bad slots, index base, or a preload that overflows."""
        if len(self.memory_slots) not in (2, 3) or not all(self.memory_slots):
            raise ValueError(f"profile {self.name}: +CPMS has 2 or 3 slots, each offering a memory")
        if self.first_index not in (0, 1):
            raise ValueError(f"profile {self.name}: storage indices start at 0 or 1")
        problems = check_fits(self.preload, self.physical_capacities)
        if problems:
            raise ValueError(f"profile {self.name}: preload does not fit: " + "; ".join(problems))

    @property
    def physical_capacities(self) -> Mapping[Memory, int]:
        """Capacity of each memory that holds messages itself (``MT`` is a view of ME and SM)."""
        return {memory: self.capacities.get(memory, 0) for memory in Memory if memory is not Memory.MT}

    @property
    def slot_count(self) -> int:
        """How many ``+CPMS`` arguments the firmware takes (2 or 3)."""
        return len(self.memory_slots)

    def offers(self, memory: Memory, slot: int) -> bool:
        """Return True when ``AT+CPMS`` accepts ``memory`` in ``slot`` (0-based)."""
        return slot < len(self.memory_slots) and memory in self.memory_slots[slot]

    def __hash__(self) -> int:
        return hash(self.name)
