r"""Pure AT codec: bytes from the modem in, typed events out; commands out as bytes.

No I/O and no clock, so every framing case (split reads, URCs inside responses, late second lines,
garbage bytes) is a plain unit test. The session decides what an event means for the command in
flight; the codec only knows the shape of the stream:

* Lines end with CR, LF or any run of them (Huawei E1752 ends ``AT+CLAC`` lines with ``\r\r\n``),
  so empty lines never reach anyone.
* The ``AT+CMGS`` prompt ``"> "`` has no line end; it is recognised at the start of the partial
  line buffered after the last line end (noise right after it is kept for the next line).
* Bytes are decoded as latin-1, which maps every byte to a character: a non-UTF-8 byte (a real
  failure of python-gsmmodem, reference §2.3 I) can never raise here.
* ``+CDS:`` and ``+CMT:`` carry their PDU on the next line, which may arrive in a later read
  (reference §2.3 D2). The codec waits for it however long it takes; if the next line is not hex
  the URC is emitted without a PDU and the line is handled on its own.
* A line starting with ``AT`` is the modem echoing our command (echo is on until ``ATE0``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from gsmgateway.core.decimals import ascii_decimal
from gsmgateway.modem.results import (
    CME_ERROR_PREFIX,
    CMS_ERROR_PREFIX,
    CTRL_Z,
    ERROR_SYNONYMS,
    OK,
    TWO_LINE_URCS,
    URC_PREFIXES,
)

#: A line longer than this without a line end is flushed as a line: a babbling port cannot make
#: the buffer grow without bound.
MAX_LINE: Final = 8192
_HEX: Final = re.compile(r"[0-9A-Fa-f]+")
_LINE_END: Final = re.compile(rb"[\r\n]+")


class FinalKind(StrEnum):
    """How a command ended."""

    OK = "ok"
    ERROR = "error"  # bare ERROR or a vendor synonym (COMMAND NOT SUPPORT, NO CARRIER …)
    CME = "cme"
    CMS = "cms"


@dataclass(frozen=True, slots=True)
class ResponseLine:
    """A line that is neither a final result nor an unsolicited code: part of a command's answer."""

    text: str


@dataclass(frozen=True, slots=True)
class FinalResult:
    """The line that ends a command. ``code`` is the CME/CMS number (None when verbose or absent)."""

    text: str
    kind: FinalKind
    code: int | None = None


@dataclass(frozen=True, slots=True)
class Prompt:
    """The ``"> "`` prompt: the modem waits for the PDU of ``AT+CMGS``."""


@dataclass(frozen=True, slots=True)
class Urc:
    """An unsolicited result code; ``pdu`` is the hex second line of ``+CDS``/``+CMT`` (None if lost)."""

    text: str
    pdu: str | None = None

    @property
    def name(self) -> str:
        """The code without its arguments, e.g. ``+CDSI`` or ``RING``."""
        return self.text.split(":", 1)[0].strip()

    @property
    def args(self) -> str:
        """Everything after the colon, stripped (empty for codes without arguments)."""
        return self.text.split(":", 1)[1].strip() if ":" in self.text else ""


Event = ResponseLine | FinalResult | Prompt | Urc


def classify_final(line: str) -> FinalResult | None:
    """Return the final result ``line`` is, or None when it does not end a command."""
    if line == OK:
        return FinalResult(line, FinalKind.OK)
    if line in ERROR_SYNONYMS:
        return FinalResult(line, FinalKind.ERROR)
    for prefix, kind in ((CME_ERROR_PREFIX, FinalKind.CME), (CMS_ERROR_PREFIX, FinalKind.CMS)):
        if line.startswith(prefix):
            rest = line[len(prefix) :].strip()
            return FinalResult(line, kind, ascii_decimal(rest))
    return None


def is_urc(line: str) -> bool:
    """Return whether ``line`` starts like an unsolicited result code."""
    return line.startswith(URC_PREFIXES)


#: Commands whose arguments are secrets (PIN, PUK, passwords): never shown in a log or an error.
_SECRET_COMMANDS: Final = ("AT+CPIN=", "AT+CLCK=", "AT+CPWD=")


def shown(command: str) -> str:
    """Return ``command`` as it may appear in logs and errors: a PIN's digits are never shown."""
    upper = command.upper()
    for prefix in _SECRET_COMMANDS:
        if upper.startswith(prefix):
            return prefix + "<hidden>"
    return command


def encode_command(command: str) -> bytes:
    """Return the bytes that send ``command`` (``AT…``) to the modem.

    :raises ValueError: the command contains a line end or non-ASCII text, which would desynchronise
        the stream.
    """
    if any(ch in command for ch in "\r\n\x1a\x1b") or not command.isascii():
        raise ValueError(f"refusing to send a malformed AT command: {command!r}")
    return command.encode("ascii") + b"\r"


def encode_pdu(pdu_hex: str) -> bytes:
    """Return the bytes that follow the ``"> "`` prompt: the hex PDU and Ctrl-Z.

    :raises ValueError: ``pdu_hex`` is not hex (a Ctrl-Z inside would send something else).
    """
    if not _HEX.fullmatch(pdu_hex):
        raise ValueError("a PDU must be a non-empty hex string")
    return pdu_hex.encode("ascii") + CTRL_Z


class AtCodec:
    """Incremental decoder of the modem's output; one instance per connection."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._awaiting_pdu: str | None = None

    def feed(self, data: bytes) -> list[Event]:
        """Consume ``data`` (any bytes, any split) and return the events now complete."""
        self._buffer.extend(data)
        events: list[Event] = []
        while True:
            match = _LINE_END.search(self._buffer)
            if match is None:
                break
            raw = bytes(self._buffer[: match.start()])
            del self._buffer[: match.end()]
            if raw:
                self._line(raw.decode("latin-1"), events)
        if len(self._buffer) > MAX_LINE:
            raw = bytes(self._buffer)
            self._buffer.clear()
            self._line(raw.decode("latin-1"), events)
        if self._buffer.startswith(b"> ") or self._buffer == b">":
            # Anything after the prompt (noise, or the start of a URC) stays for the next line.
            del self._buffer[:2]
            events.append(Prompt())
        return events

    def reset(self) -> None:
        """Forget partial input (after a reconnect the old bytes mean nothing)."""
        self._buffer.clear()
        self._awaiting_pdu = None

    def _line(self, line: str, events: list[Event]) -> None:
        """Classify one complete, non-empty line."""
        line = line.strip(" \t\x00")
        if not line:
            return
        if self._awaiting_pdu is not None:
            header, self._awaiting_pdu = self._awaiting_pdu, None
            if _HEX.fullmatch(line):
                events.append(Urc(header, line.upper()))
                return
            events.append(Urc(header, None))
        if line.startswith(("> ", ">")) and _HEX.fullmatch(line.lstrip("> ").rstrip("\x1a")):
            return  # the modem echoing our PDU after the prompt (echo on)
        final = classify_final(line)
        if final is not None:
            events.append(final)
        elif line.startswith(TWO_LINE_URCS):
            self._awaiting_pdu = line
        elif is_urc(line):
            events.append(Urc(line))
        elif line[:2].upper() == "AT":
            return  # echo of our own command
        else:
            events.append(ResponseLine(line))
