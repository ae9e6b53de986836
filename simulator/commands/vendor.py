"""Vendor commands that real clients send during set-up, answered only by the firmware that has them.

A profile lists its vendor commands (``Quirks.vendor_commands``); any other vendor command is as
unknown to it as to the real device (``COMMAND NOT SUPPORT`` on Huawei). The set is what clients
that were written against the hardware send: gammu's Huawei set-up ``AT^CURC=0``, ``AT^PORTSEL=1``
and ZTE set-up ``AT+ZCDRUN=8``, ``AT+ZOPRT=5`` (gammu atgen.c ``ATGEN_PostConnect``);
python-gsmmodem's ``AT^USSDMODE``, ``AT+ZPAS?`` and ``AT+WIND`` probes (its fakemodems); the
Quectel URC port setting; and Huawei's ``AT^SYSINFO``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

from simulator.commands.base import Command, Form, Reply, plain_error
from simulator.state.device_state import SimState


class VendorState(Protocol):
    """The state vendor commands read and set."""

    periodic_urcs: bool
    vendor_settings: dict[str, str]
    registration: int
    sim: SimState

    @property
    def registered(self) -> bool:
        """True with service."""


class VendorModem(Protocol):
    """What the vendor commands need: only the state."""

    @property
    def state(self) -> VendorState:
        """Settings and registration."""


def _setting(name: str, choices: range, default: int) -> Callable[[VendorModem, Command], Reply]:
    """Build a handler for a numeric vendor setting: ``=?`` lists, ``?`` reads, ``=n`` sets."""

    def handler(modem: VendorModem, command: Command) -> Reply:
        settings = modem.state.vendor_settings
        if command.form is Form.TEST:
            return Reply([f"{name}: ({choices.start}-{choices.stop - 1})"])
        if command.form is Form.READ:
            return Reply([f"{name}: {settings.get(name, str(default))}"])
        if command.form is not Form.SET:
            raise plain_error()
        settings[name] = str(command.int_arg(0, choices))
        return Reply()

    handler.__doc__ = f"``{name}``: a vendor setting the firmware keeps."
    return handler


def at_curc(modem: VendorModem, command: Command) -> Reply:
    """Huawei ``^CURC``: 0 stops the periodic ``^RSSI``/``^MODE`` reports, 1 resumes them."""
    if command.form is Form.TEST:
        return Reply(["^CURC: (0-1)"])
    if command.form is Form.READ:
        return Reply([f"^CURC: {int(modem.state.periodic_urcs)}"])
    if command.form is not Form.SET:
        raise plain_error()
    modem.state.periodic_urcs = command.int_arg(0, range(2)) == 1
    return Reply()


def at_sysinfo(modem: VendorModem, command: Command) -> Reply:
    """Huawei ``^SYSINFO``: service status, domain, roaming, mode (5 WCDMA), SIM state."""
    if command.form is not Form.EXEC:
        raise plain_error()
    state = modem.state
    sim = 255 if state.sim is SimState.ABSENT else 1
    if not state.registered:
        return Reply([f"^SYSINFO: 0,0,0,0,{sim},,0"])
    roaming = int(state.registration == 5)
    return Reply([f"^SYSINFO: 2,3,{roaming},5,{sim},,4"])


def at_zpas(modem: VendorModem, command: Command) -> Reply:
    """ZTE ``+ZPAS?``: the bearer, answered with a ``+BEARTYPE`` line (K3565-Z, python-gsmmodem)."""
    if command.form is not Form.READ:
        raise plain_error()
    return Reply(['+BEARTYPE: "UMTS","CS_PS"' if modem.state.registered else '+BEARTYPE: "NO SERVICE",""'])


def at_qurccfg(modem: VendorModem, command: Command) -> Reply:
    """Quectel ``+QURCCFG="urcport"[,<port>]``: which port URCs go to (always this one here)."""
    ports = ("usbat", "usbmodem", "uart1")
    if command.form is Form.TEST:
        listed = ",".join(f'"{port}"' for port in ports)
        return Reply([f'+QURCCFG: "urcport",({listed})'])
    if command.form is not Form.SET or (command.str_arg(0) or "").lower() != "urcport":
        raise plain_error()
    settings = modem.state.vendor_settings
    port = command.str_arg(1, required=False)
    if port is None:
        return Reply([f'+QURCCFG: "urcport","{settings.get("+QURCCFG", "usbat")}"'])
    if port.lower() not in ports:
        raise ValueError(f"no URC port {port!r}")
    settings["+QURCCFG"] = port.lower()
    return Reply()


HANDLERS: Final[dict[str, Callable[[VendorModem, Command], Reply]]] = {
    "^CURC": at_curc,
    "^PORTSEL": _setting("^PORTSEL", range(2), 0),
    "^USSDMODE": _setting("^USSDMODE", range(2), 1),
    "^SYSINFO": at_sysinfo,
    "+ZCDRUN": _setting("+ZCDRUN", range(16), 0),
    "+ZOPRT": _setting("+ZOPRT", range(7), 5),
    "+ZPAS": at_zpas,
    "+WIND": _setting("+WIND", range(4096), 0),
    "+QURCCFG": at_qurccfg,
}
