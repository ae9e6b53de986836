"""What happens between ``> `` and the final result of ``AT+CMGS``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simulator.commands.base import PromptKind, cms

if TYPE_CHECKING:
    from simulator.device import SimModem


@dataclass
class PendingSend:
    """An open ``> `` prompt: the announced length and what the TE typed so far."""

    kind: PromptKind
    length: int
    recipient: str | None = None
    body: bytearray = field(default_factory=bytearray)
    overflow: bool = False


def abort_send(modem: SimModem) -> None:
    """ESC at the prompt: nothing is sent; the modem answers ``OK``."""
    modem.emit_response(b"\r\nOK\r\n")


def finish_send(modem: SimModem, pending: PendingSend) -> None:
    """Ctrl-Z: decode, submit to the fake network and answer ``+CMGS: <mr>`` or an error."""
    modem.emit_response(modem.render_final(cms(304)))
