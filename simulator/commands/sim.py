"""SIM commands: ``+CPIN`` (PIN/PUK state machine), ``+CIMI``, ``+CCID``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

from simulator.commands.base import Command, Form, Reply, cme, plain_error
from simulator.pdu.fields import is_digits
from simulator.profiles.model import Profile
from simulator.state.device_state import PIN_ATTEMPTS, PUK_ATTEMPTS, SimState


class SimCard(Protocol):
    """The SIM's lock state and retry counters."""

    sim: SimState
    pin: str
    pin_attempts: int
    puk_attempts: int


class SimCardModem(Protocol):
    """What the SIM commands need: the card, its identity, and a registration refresh once unlocked."""

    @property
    def profile(self) -> Profile:
        """IMSI, ICCID, PUK and the Wavecom ``+CPIN`` quirk."""

    @property
    def state(self) -> SimCard:
        """The SIM card."""

    def update_registration(self) -> None:
        """Register once the SIM is unlocked."""


_INCORRECT_PASSWORD: Final = 16
_SIM_FAILURE: Final = 13
_NOT_INSERTED: Final = 10
_NOT_ALLOWED: Final = 3


def at_cpin(modem: SimCardModem, command: Command) -> Reply:
    """``+CPIN``: read the lock state, enter the PIN, or unblock with PUK and a new PIN.

    Three wrong PINs lock the SIM behind its PUK; ten wrong PUKs block it for good (CME 13).
    """
    state = modem.state
    if command.form is Form.TEST:
        return Reply()
    if state.sim is SimState.ABSENT:
        raise cme(_NOT_INSERTED)
    if state.sim is SimState.BLOCKED:
        raise cme(_SIM_FAILURE)
    if command.form is Form.READ:
        # Wavecom answers +CPIN: READY without a final OK (python-gsmmodem issue #19).
        quirk = modem.profile.quirks.cpin_ready_without_ok and state.sim is SimState.READY
        return Reply([f"+CPIN: {state.sim.value}"], final=not quirk)
    if command.form is not Form.SET:
        raise plain_error()
    code = command.str_arg(0) or ""
    if state.sim is SimState.PIN:
        _enter_pin(modem, code)
    elif state.sim is SimState.PUK:
        _enter_puk(modem, code, command.str_arg(1) or "")
    else:
        raise cme(_NOT_ALLOWED)
    return Reply()


def _enter_pin(modem: SimCardModem, code: str) -> None:
    state = modem.state
    if code == state.pin:
        state.sim = SimState.READY
        state.pin_attempts = PIN_ATTEMPTS
        modem.update_registration()
        return
    state.pin_attempts -= 1
    if state.pin_attempts <= 0:
        state.sim = SimState.PUK
    raise cme(_INCORRECT_PASSWORD)


def _enter_puk(modem: SimCardModem, puk: str, new_pin: str) -> None:
    state = modem.state
    if not is_digits(new_pin) or not 4 <= len(new_pin) <= 8:
        raise ValueError("a new PIN of 4-8 digits is required with the PUK")
    if puk == modem.profile.sim_puk:
        state.sim = SimState.READY
        state.pin = new_pin
        state.pin_attempts = PIN_ATTEMPTS
        state.puk_attempts = PUK_ATTEMPTS
        modem.update_registration()
        return
    state.puk_attempts -= 1
    if state.puk_attempts <= 0:
        state.sim = SimState.BLOCKED
    raise cme(_INCORRECT_PASSWORD)


def _sim_value(value: Callable[[SimCardModem], str], prefix: str) -> Callable[[SimCardModem, Command], Reply]:
    def handler(modem: SimCardModem, command: Command) -> Reply:
        if command.form is Form.TEST:
            return Reply()
        if command.form is not Form.EXEC:
            raise plain_error()
        if modem.state.sim is SimState.ABSENT:
            raise cme(_NOT_INSERTED)
        return Reply([prefix + value(modem)])

    handler.__doc__ = "SIM identity: IMSI needs the PIN (gated by the dispatcher); ICCID does not."
    return handler


def _imsi(modem: SimCardModem) -> str:
    return modem.profile.imsi


def _iccid(modem: SimCardModem) -> str:
    return modem.profile.iccid


HANDLERS: Final[dict[str, Callable[[SimCardModem, Command], Reply]]] = {
    "+CPIN": at_cpin,
    "+CIMI": _sim_value(_imsi, ""),
    "+CCID": _sim_value(_iccid, "+CCID: "),
    "+ICCID": _sim_value(_iccid, "+ICCID: "),
}
