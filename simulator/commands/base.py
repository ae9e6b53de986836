"""The shapes every command handler shares: a parsed command, its reply, and how it fails.

A V.250 command line (``AT+CMEE=1;+CREG=2``, ``ATE0V1``, ``AT&F``) is split here into
:class:`Command` values; handlers return a :class:`Reply` or raise :class:`CommandFailure`. The
device turns both into bytes, so the error form (``ERROR``, ``+CME ERROR: 10`` or its text) is
decided in one place, by ``+CMEE``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum


class Form(Enum):
    """Which of the four 27.007 §4.1 syntaxes a command was written in."""

    EXEC = "exec"  # AT+CGMI, ATZ
    READ = "read"  # AT+CREG?
    TEST = "test"  # AT+CREG=?
    SET = "set"  # AT+CREG=2


class ErrorKind(StrEnum):
    """Which family of final result code an error is reported with."""

    PLAIN = "plain"  # ERROR (or the profile's synonym, e.g. Huawei COMMAND NOT SUPPORT)
    CME = "cme"  # +CME ERROR: equipment / SIM / network (27.007 §9.2)
    CMS = "cms"  # +CMS ERROR: SMS service (27.005 §3.2.5)


class CommandFailure(Exception):  # noqa: N818 - a control-flow signal, not an error of the simulator
    """A command ends with an error result code instead of ``OK``.

    Raised by handlers; never escapes the device. ``unknown`` marks "no such command", which some
    firmwares answer with a vendor text (Huawei E1752: ``COMMAND NOT SUPPORT``).
    """

    def __init__(self, kind: ErrorKind, code: int | None = None, *, unknown: bool = False) -> None:
        super().__init__(f"{kind}:{code}")
        self.kind = kind
        self.code = code
        self.unknown = unknown


def cme(code: int) -> CommandFailure:
    """Build a ``+CME ERROR`` failure (shorthand used by every handler)."""
    return CommandFailure(ErrorKind.CME, code)


def cms(code: int) -> CommandFailure:
    """Build a ``+CMS ERROR`` failure (shorthand used by every handler)."""
    return CommandFailure(ErrorKind.CMS, code)


def plain_error() -> CommandFailure:
    """Build a bare ``ERROR`` failure, what modems answer to malformed syntax."""
    return CommandFailure(ErrorKind.PLAIN)


class PromptKind(Enum):
    """What the device waits for after it printed ``> ``."""

    PDU = "pdu"  # hex TPDU terminated by Ctrl-Z
    TEXT = "text"  # message text in the +CSCS character set, terminated by Ctrl-Z


@dataclass
class Reply:
    r"""What a handler answers: information lines and whether a final ``OK`` follows.

    ``final=False`` models firmwares that omit the final result (Wavecom ``+CPIN: READY``);
    ``prompt`` switches the device into PDU/text entry; ``line_end`` exists for Huawei E1752,
    whose ``+CLAC`` lines end in ``\\r\\r\\n``.
    """

    lines: list[str] = field(default_factory=list)
    final: bool = True
    prompt: PromptKind | None = None
    line_end: str = "\r\n"


@dataclass(frozen=True)
class Command:
    """One command of a command line, already split into name, form and arguments.

    ``name`` is upper case: ``+CMGS``, ``^SYSINFO``, ``E``, ``&F``, ``I``. For basic commands
    (``ATE0``) the number is the single argument. ``args`` keep quoted strings without quotes;
    ``quoted`` says which ones were quoted, because ``AT+CPMS=SM`` and ``AT+CPMS="SM"`` differ.
    """

    name: str
    form: Form
    args: tuple[str, ...] = ()
    quoted: tuple[bool, ...] = ()
    text: str = ""

    def arg(self, index: int) -> str | None:
        """Return argument ``index``, or None when it is absent or empty (``AT+CNMI=2,,0``)."""
        if index >= len(self.args) or (self.args[index] == "" and not self.quoted[index]):
            return None
        return self.args[index]

    def int_arg(self, index: int, allowed: range | None = None, *, default: int | None = None) -> int:
        """Return argument ``index`` as an int in ``allowed``.

        :raises ValueError: when missing (and no default), not a number, or out of range; the
            dispatcher turns that into the command family's "incorrect parameters" error.
        """
        raw = self.arg(index)
        if raw is None:
            if default is None:
                raise ValueError(f"{self.name}: argument {index} missing")
            return default
        if (index < len(self.quoted) and self.quoted[index]) or not (raw.isascii() and raw.isdigit()):
            raise ValueError(f"{self.name}: argument {index} is not a number: {raw!r}")
        value = int(raw)
        if allowed is not None and value not in allowed:
            raise ValueError(f"{self.name}: argument {index} out of range: {value}")
        return value

    def str_arg(self, index: int, *, required: bool = True) -> str | None:
        """Return a quoted string argument; unquoted text is accepted as most firmwares do."""
        raw = self.arg(index)
        if raw is None and required:
            raise ValueError(f"{self.name}: argument {index} missing")
        return raw


_DIGITS = frozenset("0123456789")
_EXTENDED_START = "+^$%*#"
_TERMINATORS = "=?;"


class SyntaxFailure(ValueError):  # noqa: N818 - mirrors CommandFailure
    """A command line that no V.250 parser could split; the modem answers ``ERROR``."""


def parse_command_line(body: str) -> list[Command]:
    """Split what follows ``AT`` into commands.

    Spaces outside quotes are ignored and names are case-insensitive (V.250 §5.2). Extended
    commands are separated by ``;``; basic commands follow each other directly (``ATE0V1Q0``).

    :raises SyntaxFailure: for an unterminated string or a character no command starts with.
    """
    text = _normalise(body)
    commands: list[Command] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == ";":
            pos += 1
        elif char in _EXTENDED_START:
            command, pos = _parse_extended(text, pos)
            commands.append(command)
        elif char.isalpha() or char == "&":
            command, pos = _parse_basic(text, pos)
            commands.append(command)
        else:
            raise SyntaxFailure(f"unexpected {char!r} in command line")
    return commands


def _normalise(body: str) -> str:
    """Upper-case and drop spaces, except inside double quotes."""
    out: list[str] = []
    in_quotes = False
    for char in body:
        if char == '"':
            in_quotes = not in_quotes
            out.append(char)
        elif in_quotes:
            out.append(char)
        elif not char.isspace():
            out.append(char.upper())
    if in_quotes:
        raise SyntaxFailure("unterminated string")
    return "".join(out)


def _parse_basic(text: str, pos: int) -> tuple[Command, int]:
    """Parse ``E0``, ``Z``, ``&F``, ``I3``, ``S7=60``, ``S0?`` (V.250 §5.3.1)."""
    start = pos
    if text[pos] == "&":
        pos += 1
        if pos >= len(text) or not text[pos].isalpha():
            raise SyntaxFailure("& without a letter")
    name = text[start : pos + 1]
    pos += 1
    if name == "S":
        digits_end = pos
        while digits_end < len(text) and text[digits_end] in _DIGITS:
            digits_end += 1
        name, pos = "S" + text[pos:digits_end], digits_end
        if pos < len(text) and text[pos] == "?":
            return Command(name, Form.READ, text=text[start : pos + 1]), pos + 1
        if pos < len(text) and text[pos] == "=":
            value_end = pos + 1
            while value_end < len(text) and text[value_end] in _DIGITS:
                value_end += 1
            value = text[pos + 1 : value_end]
            return Command(name, Form.SET, (value,), (False,), text[start:value_end]), value_end
    digits_end = pos
    while digits_end < len(text) and text[digits_end] in _DIGITS:
        digits_end += 1
    if name == "D":  # dial string runs to the end of the line
        return Command(name, Form.EXEC, (text[pos:],), (False,), text[start:]), len(text)
    value = text[pos:digits_end]
    args = (value,) if value else ()
    return Command(name, Form.EXEC, args, (False,) * len(args), text[start:digits_end]), digits_end


def _parse_extended(text: str, pos: int) -> tuple[Command, int]:
    """Parse ``+NAME``, ``+NAME?``, ``+NAME=?`` or ``+NAME=args`` up to the next ``;``."""
    start = pos
    pos += 1
    while pos < len(text) and text[pos] not in _TERMINATORS:
        pos += 1
    name = text[start:pos]
    if len(name) < 2:
        raise SyntaxFailure("extended command without a name")
    if text.startswith("=?", pos):
        return Command(name, Form.TEST, text=text[start : pos + 2]), pos + 2
    if text.startswith("?", pos):
        return Command(name, Form.READ, text=text[start : pos + 1]), pos + 1
    if not text.startswith("=", pos):
        return Command(name, Form.EXEC, text=text[start:pos]), pos
    args, quoted, end = _split_arguments(text, pos + 1)
    return Command(name, Form.SET, args, quoted, text[start:end]), end


def _split_arguments(text: str, pos: int) -> tuple[tuple[str, ...], tuple[bool, ...], int]:
    """Split comma-separated arguments up to an unquoted ``;`` or the end of the line."""
    args: list[str] = []
    quoted: list[bool] = []
    current: list[str] = []
    was_quoted = False
    in_quotes = False
    while pos < len(text):
        char = text[pos]
        if char == '"':
            in_quotes = not in_quotes
            was_quoted = True
        elif in_quotes:
            current.append(char)
        elif char == ",":
            args.append("".join(current))
            quoted.append(was_quoted)
            current, was_quoted = [], False
        elif char == ";":
            break
        else:
            current.append(char)
        pos += 1
    args.append("".join(current))
    quoted.append(was_quoted)
    return tuple(args), tuple(quoted), pos
