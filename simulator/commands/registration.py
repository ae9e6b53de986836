"""Network commands: ``+CREG``/``+CGREG``/``+CEREG`` (and their URCs), ``+CSQ``, ``+COPS``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

from simulator.commands.base import Command, Form, Reply, plain_error
from simulator.commands.charset import to_te
from simulator.profiles.model import Profile


class RadioState(Protocol):
    """The radio and registration state these commands report."""

    registration_urcs: dict[str, int]
    registration: int
    signal_rssi: int
    functionality: int
    cops_format: int
    charset: str

    @property
    def registered(self) -> bool:
        """True with service (home or roaming)."""


class RadioModem(Protocol):
    """What the network commands need: the radio state, the operator, and a way to print URCs."""

    @property
    def profile(self) -> Profile:
        """Operator names and cell identity."""

    @property
    def state(self) -> RadioState:
        """Registration, signal and the TE's choices of format."""

    def emit_urc(self, text: str, due: float | None = None) -> None:
        """Print an unsolicited result code."""


def creg_status(modem: RadioModem, name: str = "+CREG", *, with_mode: bool) -> str:
    """Format ``+CREG: [<n>,]<stat>[,"<lac>","<ci>"]`` (location only with ``n=2`` and service)."""
    state = modem.state
    mode = state.registration_urcs[name]
    parts = [str(mode)] if with_mode else []
    parts.append(str(state.registration))
    if mode == 2 and state.registered:
        parts += [f'"{modem.profile.lac}"', f'"{modem.profile.cell_id}"']
    return f"{name}: " + ",".join(parts)


def announce_registration(modem: RadioModem) -> None:
    """Print an unsolicited ``+CREG:`` (and ``+CGREG:``/``+CEREG:``) for each one the TE enabled."""
    for name, mode in modem.state.registration_urcs.items():
        if mode > 0:
            modem.emit_urc(creg_status(modem, name, with_mode=False))


def at_creg(modem: RadioModem, command: Command) -> Reply:
    """``+CREG``/``+CGREG``/``+CEREG``: registration 0-5; ``=1``/``=2`` turn on the URC form."""
    if command.form is Form.TEST:
        return Reply([f"{command.name}: (0-2)"])
    if command.form is Form.READ:
        return Reply([creg_status(modem, command.name, with_mode=True)])
    if command.form is not Form.SET:
        raise plain_error()
    modem.state.registration_urcs[command.name] = command.int_arg(0, range(3), default=0)
    return Reply()


def at_csq(modem: RadioModem, command: Command) -> Reply:
    """``+CSQ``: ``<rssi>,<ber>``; 99 (unknown) while the radio is off."""
    if command.form is Form.TEST:
        return Reply(["+CSQ: (0-31,99),(0-7,99)"])
    if command.form is not Form.EXEC:
        raise plain_error()
    rssi = modem.state.signal_rssi if modem.state.functionality == 1 else 99
    return Reply([f"+CSQ: {rssi},99"])


def at_cops(modem: RadioModem, command: Command) -> Reply:
    """``+COPS``: operator in the format chosen by ``=3,<format>``; ``+COPS: 0`` when unregistered."""
    state = modem.state
    profile = modem.profile
    if command.form is Form.TEST:
        op = f'(2,"{profile.operator_long}","{profile.operator_short}","{profile.operator_numeric}",2)'
        return Reply([f"+COPS: {op},,(0-4),(0-2)"])
    if command.form is Form.READ:
        if not state.registered:
            return Reply(["+COPS: 0"])
        name = (profile.operator_long, profile.operator_short, profile.operator_numeric)[state.cops_format]
        return Reply(
            [f'+COPS: 0,{state.cops_format},"{to_te(state.charset, name)}",{profile.access_technology}']
        )
    if command.form is not Form.SET:
        raise plain_error()
    mode = command.int_arg(0, range(5))
    if mode == 3:
        state.cops_format = command.int_arg(1, range(3))
    return Reply()


HANDLERS: Final[dict[str, Callable[[RadioModem, Command], Reply]]] = {
    "+CREG": at_creg,
    "+CGREG": at_creg,
    "+CEREG": at_creg,
    "+CSQ": at_csq,
    "+COPS": at_cops,
}
