"""SMS settings (27.005 §3.2-§3.4): +CSMS, +CPMS, +CMGF, +CSCA, +CSMP, +CSCS, +CNMI."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from simulator.commands.base import Command, Reply

if TYPE_CHECKING:
    from simulator.device import SimModem

HANDLERS: Final[dict[str, Callable[[SimModem, Command], Reply]]] = {}
