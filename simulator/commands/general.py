"""V.250 basics and identity: ``AT``, ``ATZ``/``AT&F``, ``ATE``, ``ATI``, ``+CGMI``…, ``+CMEE``, ``+CFUN``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final, Protocol

from simulator.commands.base import Command, Form, Reply, plain_error
from simulator.profiles.model import Profile


class TerminalSettings(Protocol):
    """The settings these commands read and change."""

    echo: bool
    cmee: int
    functionality: int
    commands_since_cfun: int | None

    def reset_settings(self) -> None:
        """Restore the power-on settings (``ATZ``)."""


class GeneralModem(Protocol):
    """What the V.250 and identity commands need of the modem: no storage, no network."""

    @property
    def profile(self) -> Profile:
        """Identity and quirks."""

    @property
    def state(self) -> TerminalSettings:
        """The settings (a power cycle replaces them)."""

    def reboot(self) -> None:
        """Power-cycle the modem (``AT+CFUN=1,1``)."""

    def update_registration(self) -> None:
        """Re-evaluate network registration after the radio was switched."""

    def command_names(self) -> Iterable[str]:
        """Every command the modem knows, for ``AT+CLAC``."""


def at_empty(modem: GeneralModem, command: Command) -> Reply:
    """``AT``: the liveness probe every driver starts with."""
    return Reply()


def at_reset(modem: GeneralModem, command: Command) -> Reply:
    """``ATZ`` / ``AT&F``: restore settings (echo on, ``+CMEE=0``, PDU mode, default routing)."""
    modem.state.reset_settings()
    return Reply()


def at_echo(modem: GeneralModem, command: Command) -> Reply:
    """``ATE0`` / ``ATE1``: whether typed characters are echoed (takes effect for the next line)."""
    modem.state.echo = command.int_arg(0, range(2), default=0) == 1
    return Reply()


def at_ignored_setting(modem: GeneralModem, command: Command) -> Reply:
    """``ATQ0``, ``ATV1``, ``AT&W``, ``ATS0=0``…: accepted, kept at the only values we speak."""
    if command.name == "V" and command.int_arg(0, range(2), default=0) == 0:
        raise plain_error()  # numeric result codes are not simulated; say so instead of lying
    if command.name == "Q" and command.int_arg(0, range(2), default=0) == 1:
        raise plain_error()
    if command.form is Form.READ:
        return Reply(["000"])
    return Reply()


def at_info(modem: GeneralModem, command: Command) -> Reply:
    """``ATI``: manufacturer, model and revision, one per line."""
    profile = modem.profile
    return Reply([profile.manufacturer.strip(), profile.model, f"Revision: {profile.revision}"])


def _identity(value: Callable[[GeneralModem], str]) -> Callable[[GeneralModem, Command], Reply]:
    """Build a handler for an identity command: exec answers, test says OK, others fail."""

    def handler(modem: GeneralModem, command: Command) -> Reply:
        if command.form is Form.TEST:
            return Reply()
        if command.form is not Form.EXEC:
            raise plain_error()
        return Reply([value(modem)])

    handler.__doc__ = "Identity command (27.007 §5): answers the profile's value."
    return handler


def _manufacturer(modem: GeneralModem) -> str:
    # Wavecom answers AT+CGMI with a leading space (python-gsmmodem fakemodems.py).
    prefix = " " if modem.profile.quirks.cgmi_leading_space else ""
    return prefix + modem.profile.manufacturer


def _model(modem: GeneralModem) -> str:
    return modem.profile.model


def _revision(modem: GeneralModem) -> str:
    return modem.profile.revision


def _imei(modem: GeneralModem) -> str:
    return modem.profile.imei


def at_cmee(modem: GeneralModem, command: Command) -> Reply:
    """``+CMEE``: error reporting 0 (``ERROR``), 1 (numeric), 2 (verbose)."""
    if command.form is Form.TEST:
        return Reply(["+CMEE: (0-2)"])
    if command.form is Form.READ:
        return Reply([f"+CMEE: {modem.state.cmee}"])
    modem.state.cmee = command.int_arg(0, range(3), default=0)
    return Reply()


def at_cfun(modem: GeneralModem, command: Command) -> Reply:
    """``+CFUN``: 1 full, 0 minimum, 4 radio off; radio off drops registration.

    ``AT+CFUN=1,1`` resets the module: the ``OK`` comes first, then the boot URCs, and the SIM
    asks for its PIN again (as after a power cycle).
    """
    state = modem.state
    if command.form is Form.TEST:
        return Reply(["+CFUN: (0,1,4),(0,1)"])
    if command.form is Form.READ:
        if modem.profile.quirks.cfun_read_as_test:  # ZTE K3565-Z (python-gsmmodem fakemodems)
            return Reply(["+CFUN: (0-1,4-7),(0-1)"])
        return Reply([f"+CFUN: {state.functionality}"])
    if command.form is not Form.SET:
        raise plain_error()
    level = command.int_arg(0, range(5))
    if level not in (0, 1, 4):
        raise ValueError(f"+CFUN level {level} not supported")
    reset = command.int_arg(1, range(2), default=0) == 1
    if reset:
        modem.reboot()
        state = modem.state
    state.functionality = level
    if level == 1:
        state.commands_since_cfun = 0  # Wavecom: the next commands get CME 515
    modem.update_registration()
    return Reply()


def at_clac(modem: GeneralModem, command: Command) -> Reply:
    """``+CLAC``: every command the simulator knows, one per line (Huawei E1752: CR CR LF)."""
    if command.form is Form.TEST:
        return Reply()
    if command.form is not Form.EXEC:  # AT+CLAC? and AT+CLAC=1 are not forms 27.007 defines
        raise plain_error()
    names = sorted("AT" + name for name in modem.command_names() if name.startswith(("+", "^")))
    return Reply(names, line_end=modem.profile.quirks.clac_line_end)


HANDLERS: Final[dict[str, Callable[[GeneralModem, Command], Reply]]] = {
    "": at_empty,
    "Z": at_reset,
    "&F": at_reset,
    "E": at_echo,
    "Q": at_ignored_setting,
    "V": at_ignored_setting,
    "&W": at_ignored_setting,
    "&C": at_ignored_setting,
    "&D": at_ignored_setting,
    "S0": at_ignored_setting,
    "S7": at_ignored_setting,
    "I": at_info,
    "H": at_empty,  # hang up: there is never a call to end
    "+CGMI": _identity(_manufacturer),
    "+GMI": _identity(_manufacturer),
    "+CGMM": _identity(_model),
    "+GMM": _identity(_model),
    "+CGMR": _identity(_revision),
    "+GMR": _identity(_revision),
    "+CGSN": _identity(_imei),
    "+GSN": _identity(_imei),
    "+CMEE": at_cmee,
    "+CFUN": at_cfun,
    "+CLAC": at_clac,
}
