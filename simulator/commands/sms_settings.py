"""SMS settings (27.005 §3.2-§3.5): +CSMS, +CPMS, +CMGF, +CSCA, +CSMP, +CSCS, +CNMI, +CMMS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

from simulator.commands.base import Command, Form, Reply, cme, cms, plain_error
from simulator.commands.charset import from_te, to_te
from simulator.pdu.fields import is_digits
from simulator.profiles.memory import Memory
from simulator.profiles.model import Profile


class SmsSettings(Protocol):
    """The 27.005 settings: service, memories, routing, SMSC, text-mode parameters."""

    csms_service: int
    memories: list[Memory]
    cnmi: tuple[int, int, int, int, int]
    csmp: tuple[int, int, int, int]
    smsc: str
    smsc_type: int
    charset: str
    text_mode: bool
    csca_queries_since_boot: int
    more_messages: int


class StorageUse(Protocol):
    """How full each memory is (``+CPMS`` answers with it)."""

    def used(self, memory: Memory) -> int:
        """Messages in ``memory``."""

    def capacity(self, memory: Memory) -> int:
        """Slots of ``memory``."""


class SettingsModem(Protocol):
    """What the SMS settings commands need: the settings, the storage counts and the profile."""

    @property
    def profile(self) -> Profile:
        """Memories offered and the firmware's quirks."""

    @property
    def state(self) -> SmsSettings:
        """The settings."""

    @property
    def storage(self) -> StorageUse:
        """Counts per memory."""


CHARSETS: Final = ("GSM", "IRA", "UCS2")
_SIM_BUSY: Final = 14
_OPERATION_NOT_ALLOWED: Final = 302
_OPERATION_NOT_SUPPORTED: Final = 303


def at_csms(modem: SettingsModem, command: Command) -> Reply:
    """``+CSMS``: message service 0 (no ``+CNMA``) or 1 (direct messages must be acknowledged)."""
    if command.form is Form.TEST:
        return Reply(["+CSMS: (0,1)"])
    if command.form is Form.READ:
        return Reply([f"+CSMS: {modem.state.csms_service},1,1,1"])
    if command.form is not Form.SET:
        raise plain_error()
    modem.state.csms_service = command.int_arg(0, range(2))
    return Reply(["+CSMS: 1,1,1"])


def _memory(modem: SettingsModem, name: str | None, slot: int) -> Memory:
    """Return the memory called ``name`` if the profile offers it in ``slot``; else CMS 302."""
    try:
        memory = Memory((name or "").upper())
    except ValueError:
        raise cms(_OPERATION_NOT_ALLOWED) from None
    if not modem.profile.offers(memory, slot):
        raise cms(_OPERATION_NOT_ALLOWED)  # e.g. AT+CPMS="SR" on a Huawei E173, which has no "SR"
    return memory


def _offered(memories: tuple[Memory, ...]) -> str:
    return "(" + ",".join(f'"{memory}"' for memory in memories) + ")"


def at_cpms(modem: SettingsModem, command: Command) -> Reply:
    """``+CPMS``: choose read/write/receive memories; answers used and total of each.

    ``=?`` lists what the profile offers per slot; Wavecom has two slots and nests the lists
    (``+CPMS: (("SM","BM","SR"),("SM"))``) and refuses a third argument with ``ERROR``.
    """
    state = modem.state
    storage = modem.storage
    slot_count = modem.profile.slot_count
    if command.form is Form.TEST:
        lists = ",".join(_offered(memories) for memories in modem.profile.memory_slots)
        return Reply([f"+CPMS: ({lists})" if slot_count == 2 else f"+CPMS: {lists}"])
    slots = state.memories[:slot_count]
    if command.form is Form.READ:
        return Reply(["+CPMS: " + ",".join(f'"{m}",{storage.used(m)},{storage.capacity(m)}' for m in slots)])
    if command.form is not Form.SET:
        raise plain_error()
    if len(command.args) > slot_count:
        raise plain_error()
    chosen = [_memory(modem, command.arg(i), i) for i in range(len(command.args))]
    state.memories[: len(chosen)] = chosen
    slots = state.memories[:slot_count]
    return Reply(["+CPMS: " + ",".join(f"{storage.used(m)},{storage.capacity(m)}" for m in slots)])


def at_cmgf(modem: SettingsModem, command: Command) -> Reply:
    """``+CMGF``: 0 PDU mode, 1 text mode."""
    if command.form is Form.TEST:
        return Reply(["+CMGF: (0,1)"])
    if command.form is Form.READ:
        return Reply([f"+CMGF: {int(modem.state.text_mode)}"])
    if command.form is not Form.SET:
        raise plain_error()
    modem.state.text_mode = command.int_arg(0, range(2), default=0) == 1
    return Reply()


def at_csca(modem: SettingsModem, command: Command) -> Reply:
    """``+CSCA``: the SMSC number used when a PDU starts with ``00``."""
    state = modem.state
    if command.form is Form.TEST:
        return Reply()
    if command.form is Form.READ:
        state.csca_queries_since_boot += 1
        # ZTE/Qualcomm M6280: SIM still busy shortly after boot (python-gsmmodem issue #10).
        if state.csca_queries_since_boot <= modem.profile.quirks.csca_busy_after_boot:
            raise cme(_SIM_BUSY)
        return Reply([f'+CSCA: "{to_te(state.charset, state.smsc)}",{state.smsc_type}'])
    if command.form is not Form.SET:
        raise plain_error()
    number = from_te(state.charset, command.str_arg(0) or "")
    if number and not (is_digits(number.removeprefix("+")) and len(number) <= 21):
        raise ValueError(f"SMSC {number!r} is not a number")
    state.smsc = number
    state.smsc_type = command.int_arg(1, range(256), default=145 if number.startswith("+") else 129)
    return Reply()


def at_csmp(modem: SettingsModem, command: Command) -> Reply:
    """``+CSMP``: text-mode first octet, validity, PID and DCS (ZTE: also wipes the SMSC)."""
    state = modem.state
    if command.form is Form.TEST:
        return Reply()
    if command.form is Form.READ:
        return Reply(["+CSMP: " + ",".join(str(v) for v in state.csmp)])
    if command.form is not Form.SET:
        raise plain_error()
    values = [command.int_arg(i, range(256), default=state.csmp[i]) for i in range(4)]
    state.csmp = (values[0], values[1], values[2], values[3])
    if modem.profile.quirks.csmp_wipes_smsc:  # ZTE (python-gsmmodem issue #8)
        state.smsc = ""
    return Reply()


def at_cscs(modem: SettingsModem, command: Command) -> Reply:
    """``+CSCS``: the TE character set for text-mode strings (``GSM``, ``IRA``, ``UCS2``)."""
    if command.form is Form.TEST:
        return Reply(["+CSCS: (" + ",".join(f'"{c}"' for c in CHARSETS) + ")"])
    if command.form is Form.READ:
        return Reply([f'+CSCS: "{modem.state.charset}"'])
    if command.form is not Form.SET:
        raise plain_error()
    charset = (command.str_arg(0) or "").upper()
    if charset not in CHARSETS:
        raise ValueError(f"character set {charset!r} not supported")
    modem.state.charset = charset
    return Reply()


def at_cnmi(modem: SettingsModem, command: Command) -> Reply:
    """``+CNMI``: how new messages (``<mt>``) and status reports (``<ds>``) reach the TE."""
    state = modem.state
    ds_values = modem.profile.quirks.supported_ds
    if command.form is Form.TEST:
        ds = ",".join(str(d) for d in ds_values)
        return Reply([f"+CNMI: (0-2),(0-3),(0,2),({ds}),(0,1)"])
    if command.form is Form.READ:
        return Reply(["+CNMI: " + ",".join(str(v) for v in state.cnmi)])
    if command.form is not Form.SET:
        raise plain_error()
    limits = (range(3), range(4), range(4), range(3), range(2))
    values = [command.int_arg(i, limits[i], default=state.cnmi[i]) for i in range(5)]
    if values[3] not in ds_values or values[2] == 1:
        raise cms(_OPERATION_NOT_SUPPORTED)  # SIMCom SIM800: no stored reports (ds=2)
    state.cnmi = (values[0], values[1], values[2], values[3], values[4])
    return Reply()


def at_cmms(modem: SettingsModem, command: Command) -> Reply:
    """``+CMMS``: more messages to send (27.005 §3.5.6); drivers set it around multipart sends."""
    if command.form is Form.TEST:
        return Reply(["+CMMS: (0-2)"])
    if command.form is Form.READ:
        return Reply([f"+CMMS: {modem.state.more_messages}"])
    if command.form is not Form.SET:
        raise plain_error()
    modem.state.more_messages = command.int_arg(0, range(3), default=0)
    return Reply()


HANDLERS: Final[dict[str, Callable[[SettingsModem, Command], Reply]]] = {
    "+CSMS": at_csms,
    "+CPMS": at_cpms,
    "+CMGF": at_cmgf,
    "+CSCA": at_csca,
    "+CSMP": at_csmp,
    "+CSCS": at_cscs,
    "+CNMI": at_cnmi,
    "+CMMS": at_cmms,
}
