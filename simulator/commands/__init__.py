"""The AT command table: command name → handler, plus the checks every command passes first.

Handlers are plain functions ``at_<verb>(modem, command) -> Reply`` collected per module (the
aiosmtpd ``smtp_<VERB>`` pattern); a test can replace one entry of ``SimModem.handlers`` to change
a single command. Each family names, as a ``Protocol``, only the part of the modem it uses
(``GeneralModem``, ``RadioModem``, ``SimCardModem``, ``SettingsModem``, ``MessagesModem``);
:class:`CommandModem` is their union, which the device satisfies. Argument errors are raised as
``ValueError`` and reported here in the command's family: ``+CME ERROR: 50`` for 27.007 commands,
``+CMS ERROR: 304/305`` for 27.005 ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final, Protocol, TypeAlias

from simulator.commands import general, messages, registration, sim, sms_settings, vendor
from simulator.commands.base import Command, CommandFailure, ErrorKind, Form, Reply, cme, cms
from simulator.profiles.model import Profile
from simulator.state.device_state import DeviceState, SimState
from simulator.state.storage import MessageStorage


class CommandModem(
    general.GeneralModem,
    registration.RadioModem,
    sim.SimCardModem,
    sms_settings.SettingsModem,
    messages.MessagesModem,
    vendor.VendorModem,
    Protocol,
):
    """Everything any command may use: the union of the families' views, plus the table itself."""

    @property
    def state(self) -> DeviceState:
        """All settings and SIM/radio state."""

    @property
    def storage(self) -> MessageStorage:
        """The message memories."""

    @property
    def handlers(self) -> Mapping[str, Handler]:
        """The command table in force (a test may replace entries)."""


Handler: TypeAlias = Callable[[CommandModem, Command], Reply]

COMMANDS: Final[dict[str, Handler]] = {
    **general.HANDLERS,
    **sim.HANDLERS,
    **registration.HANDLERS,
    **sms_settings.HANDLERS,
    **messages.HANDLERS,
    **vendor.HANDLERS,
}
#: Commands only the profiles that list them in ``Quirks.vendor_commands`` answer.
VENDOR_COMMANDS: Final = frozenset(vendor.HANDLERS)

#: 27.005 commands: their errors are ``+CMS ERROR``.
SMS_COMMANDS: Final = frozenset(
    {
        "+CSMS",
        "+CPMS",
        "+CMGF",
        "+CSCA",
        "+CSMP",
        "+CNMI",
        "+CMGS",
        "+CMGL",
        "+CMGR",
        "+CMGD",
        "+CNMA",
        "+CMMS",
    }
)
#: Commands that need an unlocked SIM (their test form ``=?`` does not).
_NEEDS_SIM_CME: Final = frozenset({"+CIMI", "+COPS"})
_NEEDS_SIM_CMS: Final = frozenset({"+CSCA", "+CPMS", "+CMGS", "+CMGL", "+CMGR", "+CMGD"})
_SIM_CME: Final = {SimState.ABSENT: 10, SimState.PIN: 11, SimState.PUK: 12, SimState.BLOCKED: 13}
_SIM_CMS: Final = {SimState.ABSENT: 310, SimState.PIN: 311, SimState.PUK: 316, SimState.BLOCKED: 313}


def run_command(modem: CommandModem, command: Command) -> Reply:
    """Run ``command`` through the busy/SIM gates and its handler.

    :raises CommandFailure: the error result the modem answers with.
    """
    handler = modem.handlers.get(command.name)
    if handler is None or not answers(modem.profile, command.name):
        raise CommandFailure(ErrorKind.PLAIN, unknown=True)
    _busy_gate(modem, command)
    _sim_gate(modem, command)
    try:
        return handler(modem, command)
    except ValueError:
        if command.name in SMS_COMMANDS:
            raise cms(305 if modem.state.text_mode else 304) from None
        raise cme(50) from None


def answers(profile: Profile, name: str) -> bool:
    """Return False for a vendor command this profile's firmware does not have."""
    return name not in VENDOR_COMMANDS or name in profile.quirks.vendor_commands


def _busy_gate(modem: CommandModem, command: Command) -> None:
    """Vendor "init in progress" windows: EC25 after boot, Wavecom after ``AT+CFUN=1``."""
    state = modem.state
    quirks = modem.profile.quirks
    window = quirks.busy_after_boot
    if window is not None and state.commands_since_boot <= window.commands:
        raise cms(window.code) if window.cms else cme(window.code)
    window = quirks.busy_after_cfun
    if window is not None and state.commands_since_cfun is not None:
        state.commands_since_cfun += 1
        if state.commands_since_cfun <= window.commands:
            raise cms(window.code) if window.cms else cme(window.code)
        state.commands_since_cfun = None


def _sim_gate(modem: CommandModem, command: Command) -> None:
    """SIM-dependent commands fail with the SIM's state while it is locked or missing."""
    sim_state = modem.state.sim
    if sim_state is SimState.READY or command.form is Form.TEST:
        return
    if command.name in _NEEDS_SIM_CMS:
        raise cms(_SIM_CMS[sim_state])
    if command.name in _NEEDS_SIM_CME:
        raise cme(_SIM_CME[sim_state])
