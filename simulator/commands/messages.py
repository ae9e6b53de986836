"""SMS traffic commands (27.005 §3.4-§3.5): ``+CMGS``, ``+CMGL``, ``+CMGR``, ``+CMGD``, ``+CNMA``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from simulator.commands.base import Command, Reply

if TYPE_CHECKING:
    from simulator.device import SimModem

HANDLERS: Final[dict[str, Callable[[SimModem, Command], Reply]]] = {}
