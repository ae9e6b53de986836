"""SMS traffic commands (27.005 §3.4-§3.5): +CMGS, +CMGL, +CMGR, +CMGD, +CNMA."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

from simulator.commands.base import Command, Form, PromptKind, Reply, cms, plain_error
from simulator.commands.charset import from_te
from simulator.pdu.fields import is_digits
from simulator.profiles.memory import Memory
from simulator.state.storage import DELETE_FLAGS, Stat, StoredMessage


class MessageSettings(Protocol):
    """The settings that shape how messages are listed, read and acknowledged."""

    text_mode: bool
    charset: str
    memories: list[Memory]
    csms_service: int
    acks_pending: int
    acks_done: int


class MessageStore(Protocol):
    """The message storage, as the read/list/delete commands use it."""

    def listing(self, memory: Memory, stats: frozenset[Stat]) -> list[tuple[int, StoredMessage]]:
        """``(index, message)`` of the stats asked for, in index order."""

    def get(self, memory: Memory, index: int) -> StoredMessage | None:
        """Return the message at ``index`` (None: empty slot; IndexError: outside the memory)."""

    def delete(self, memory: Memory, index: int) -> None:
        """Empty one slot (IndexError: outside the memory)."""

    def delete_matching(self, memory: Memory, stats: frozenset[Stat]) -> int:
        """Delete every message with one of ``stats``."""


class MessagesModem(Protocol):
    """What the SMS traffic commands need: settings, storage, and the send prompt."""

    @property
    def state(self) -> MessageSettings:
        """The settings."""

    @property
    def storage(self) -> MessageStore:
        """The memories."""

    def expect_submit(self, length: int, recipient: str | None = None) -> None:
        """Remember what ``AT+CMGS`` announced, for the ``> `` prompt that follows."""


MAX_TPDU: Final = 164  # 7 header octets + 12-octet address + 140 octets of user data, rounded up
_INVALID_INDEX: Final = 321
_NO_ACK_EXPECTED: Final = 340
_TEXT_STATS: Final = {stat.text: stat for stat in Stat}
_ALL: Final = frozenset(Stat)


def at_cmgs(modem: MessagesModem, command: Command) -> Reply:
    """``+CMGS``: open the ``> `` prompt for a PDU of ``<length>`` octets or a text to ``"<da>"``."""
    if command.form is Form.TEST:
        return Reply()
    if command.form is not Form.SET:
        raise plain_error()
    if modem.state.text_mode:
        number = from_te(modem.state.charset, command.str_arg(0) or "")
        if not is_digits(number.removeprefix("+")):
            raise ValueError(f"destination {number!r} is not a number")
        modem.expect_submit(0, number)
        return Reply(prompt=PromptKind.TEXT)
    modem.expect_submit(command.int_arg(0, range(1, MAX_TPDU + 1)))
    return Reply(prompt=PromptKind.PDU)


def _stats_wanted(modem: MessagesModem, command: Command) -> frozenset[Stat]:
    if modem.state.text_mode:
        name = (command.str_arg(0, required=False) or "REC UNREAD").upper()
        if name == "ALL":
            return _ALL
        if name not in _TEXT_STATS:
            raise ValueError(f"unknown status {name!r}")
        return frozenset({_TEXT_STATS[name]})
    value = command.int_arg(0, range(5), default=0)
    return _ALL if value == 4 else frozenset({Stat(value)})


def _render(modem: MessagesModem, prefix: str, stat: Stat, message: StoredMessage) -> list[str]:
    """Return the header and body lines of one message in the current mode."""
    if not modem.state.text_mode:
        return [f"{prefix}{stat.value},,{message.tpdu_length}", message.pdu_hex]
    if message.is_report:
        return [f'{prefix}"{stat.text}",{message.text_header}']
    body = message.text_body
    if modem.state.charset == "UCS2":
        body = body.encode("utf-16-be").hex().upper()
    return [f'{prefix}"{stat.text}",{message.text_header}', body]


def at_cmgl(modem: MessagesModem, command: Command) -> Reply:
    """``+CMGL``: list messages of the read memory by status; unread ones become read."""
    if command.form is Form.TEST:
        if modem.state.text_mode:
            return Reply(['+CMGL: ("REC UNREAD","REC READ","STO UNSENT","STO SENT","ALL")'])
        return Reply(["+CMGL: (0-4)"])
    if command.form not in (Form.SET, Form.EXEC):
        raise plain_error()
    memory = modem.state.memories[0]
    lines: list[str] = []
    for index, message in modem.storage.listing(memory, _stats_wanted(modem, command)):
        lines += _render(modem, f"+CMGL: {index},", message.stat, message)
        if message.stat is Stat.REC_UNREAD:
            message.stat = Stat.REC_READ
    return Reply(lines)


def at_cmgr(modem: MessagesModem, command: Command) -> Reply:
    """``+CMGR``: read one message; an empty slot answers a bare ``OK`` (SIMCom, Quectel)."""
    if command.form is Form.TEST:
        return Reply()
    if command.form is not Form.SET:
        raise plain_error()
    index = command.int_arg(0, range(1000))
    try:
        message = modem.storage.get(modem.state.memories[0], index)
    except IndexError:
        raise cms(_INVALID_INDEX) from None
    if message is None:
        return Reply()
    lines = _render(modem, "+CMGR: ", message.stat, message)
    if message.stat is Stat.REC_UNREAD:
        message.stat = Stat.REC_READ
    return Reply(lines)


def at_cmgd(modem: MessagesModem, command: Command) -> Reply:
    """``+CMGD``: delete one index, or with ``<delflag>`` 1-4 every message of those statuses."""
    memory = modem.state.memories[0]
    if command.form is Form.TEST:
        used = ",".join(str(i) for i, _ in modem.storage.listing(memory, _ALL))
        return Reply([f"+CMGD: ({used}),(0-4)"])
    if command.form is not Form.SET:
        raise plain_error()
    index = command.int_arg(0, range(1000))
    flag = command.int_arg(1, range(5), default=0)
    if flag:
        modem.storage.delete_matching(memory, DELETE_FLAGS[flag])
        return Reply()
    try:
        modem.storage.delete(memory, index)
    except IndexError:
        raise cms(_INVALID_INDEX) from None
    return Reply()


def at_cnma(modem: MessagesModem, command: Command) -> Reply:
    """``+CNMA``: acknowledge a direct ``+CMT``/``+CDS``; 340 when none is waiting."""
    state = modem.state
    if command.form is Form.TEST:
        return Reply(["+CNMA: (0-2)"] if not state.text_mode else [])
    if command.form is Form.SET:
        command.int_arg(0, range(3))
    elif command.form is not Form.EXEC:
        raise plain_error()
    if state.csms_service != 1 or state.acks_done >= state.acks_pending:
        raise cms(_NO_ACK_EXPECTED)
    state.acks_done += 1
    return Reply()


HANDLERS: Final[dict[str, Callable[[MessagesModem, Command], Reply]]] = {
    "+CMGS": at_cmgs,
    "+CMGL": at_cmgl,
    "+CMGR": at_cmgr,
    "+CMGD": at_cmgd,
    "+CNMA": at_cnma,
}
