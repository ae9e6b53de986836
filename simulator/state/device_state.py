"""The settings and SIM/network state of one simulated modem, separate from its byte handling.

``ATZ``/``AT&F`` restore :meth:`DeviceState.reset_settings`; the SIM (PIN counters), the
network and the message storage survive them, as on a real modem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from simulator.profiles.memory import Memory
from simulator.profiles.model import Profile

PIN_ATTEMPTS = 3
PUK_ATTEMPTS = 10


class SimState(StrEnum):
    """What ``AT+CPIN?`` says, plus the states in which it cannot say anything."""

    READY = "READY"
    PIN = "SIM PIN"
    PUK = "SIM PUK"
    ABSENT = "absent"  # CME 10: SIM not inserted
    BLOCKED = "blocked"  # PUK attempts exhausted: CME 13 SIM failure


#: ``+CREG`` ``<stat>`` (27.007 §7.2) values with service: 1 home, 5 roaming.
REGISTERED_STATES = frozenset({1, 5})
#: Circuit-switched, GPRS and EPS registration; the simulated network is one and the same.
REGISTRATION_COMMANDS = ("+CREG", "+CGREG", "+CEREG")


@dataclass
class DeviceState:
    """Everything a command can read or change, with the profile's power-on values."""

    profile: Profile
    echo: bool = True
    cmee: int = 0
    text_mode: bool = False
    charset: str = "GSM"
    csms_service: int = 0
    more_messages: int = 0  # +CMMS: keep the radio link open between parts (accepted, no effect)
    cnmi: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    #: ``<n>`` of ``+CREG``, ``+CGREG`` and ``+CEREG``: 0 quiet, 1 URC on change, 2 with location.
    registration_urcs: dict[str, int] = field(default_factory=dict)
    cops_format: int = 0
    functionality: int = 1
    csmp: tuple[int, int, int, int] = (17, 167, 0, 0)
    smsc: str = ""
    smsc_type: int = 145
    memories: list[Memory] = field(default_factory=list)
    sim: SimState = SimState.READY
    pin: str = ""
    pin_attempts: int = PIN_ATTEMPTS
    puk_attempts: int = PUK_ATTEMPTS
    registration: int = 0
    signal_rssi: int = 99
    commands_since_boot: int = 0
    csca_queries_since_boot: int = 0
    commands_since_cfun: int | None = None
    acks_pending: int = 0  # direct +CMT/+CDS shown while +CSMS=1 (each needs an AT+CNMA)
    acks_done: int = 0
    #: Memories whose "memory full" URC was printed; cleared when a delete makes room.
    full_memories_announced: set[Memory] = field(default_factory=set)
    #: Huawei ``AT^CURC``: 0 silences the periodic ``^RSSI``/``^MODE`` reports.
    periodic_urcs: bool = True
    #: False while the device is unplugged (a USB dongle has no other power).
    powered: bool = True
    #: Vendor settings (``^PORTSEL``, ``+ZOPRT``, …) by command name, as their read form shows them.
    vendor_settings: dict[str, str] = field(default_factory=dict)

    @classmethod
    def power_on(cls, profile: Profile) -> DeviceState:
        """Return the state right after power-up: settings at defaults, SIM locked if it has a PIN."""
        state = cls(profile=profile)
        state.reset_settings()
        state.smsc = profile.smsc
        state.pin = profile.sim_pin or ""
        state.sim = SimState.PIN if profile.sim_pin else SimState.READY
        state.signal_rssi = profile.signal_rssi
        state.refresh_registration()
        return state

    def reset_settings(self) -> None:
        """Restore what ``ATZ``/``AT&F`` restore: echo, error mode, SMS format and routing."""
        self.echo = True
        self.cmee = 0
        self.text_mode = False
        self.charset = "GSM"
        self.csms_service = 0
        self.more_messages = 0
        self.cnmi = self.profile.default_cnmi
        self.registration_urcs = dict.fromkeys(REGISTRATION_COMMANDS, 0)
        self.cops_format = 0
        self.csmp = (17, 167, 0, 0)
        default = self.profile.default_memory
        self.memories = [default, default, default]

    @property
    def sim_ready(self) -> bool:
        """True when SIM-dependent commands (SMS, IMSI) may run."""
        return self.sim is SimState.READY

    @property
    def registered(self) -> bool:
        """True when the modem can reach the SMSC (home or roaming)."""
        return self.registration in REGISTERED_STATES

    def refresh_registration(self, outage_state: int | None = None) -> bool:
        """Recompute ``+CREG`` ``<stat>`` from SIM, radio and outage; return True if it changed."""
        if not self.powered or not self.sim_ready or self.functionality != 1:
            new = 0
        elif outage_state is not None:
            new = outage_state
        else:
            new = self.profile.registration
        changed = new != self.registration
        self.registration = new
        return changed
