"""What the network needs of the modem it delivers to: routing settings, storage and a way to speak.

Status reports and incoming SMS arrive from the network side; where they go (a URC, a memory, both)
is the modem's ``+CNMI`` and ``+CPMS`` business. This protocol is that contract, so the network code
never sees the command interpreter or the byte stream.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from simulator.network.smsc import FakeNetwork
from simulator.profiles.memory import Memory
from simulator.profiles.model import Profile
from simulator.state.storage import StoredMessage


class RoutingSettings(Protocol):
    """The settings that decide how a delivery reaches the TE."""

    cnmi: tuple[int, int, int, int, int]
    text_mode: bool
    memories: list[Memory]
    csms_service: int
    acks_pending: int
    acks_done: int
    full_memories_announced: set[Memory]

    @property
    def registered(self) -> bool:
        """True while the modem has network service."""


class DeliveryStorage(Protocol):
    """The memories, as the network fills them."""

    def add(self, memory: Memory, message: StoredMessage) -> tuple[Memory, int] | None:
        """Store ``message``; return where, or None when the memory is full."""

    def is_full(self, memory: Memory) -> bool:
        """Return True when ``memory`` cannot take another message."""

    def used(self, memory: Memory) -> int:
        """Return how many messages ``memory`` holds."""

    def capacity(self, memory: Memory) -> int:
        """Return how many messages ``memory`` can hold."""


class Handset(Protocol):
    """The modem as the network sees it."""

    @property
    def profile(self) -> Profile:
        """The SMSC number and the storage quirks."""

    @property
    def state(self) -> RoutingSettings:
        """Routing settings and registration."""

    @property
    def storage(self) -> DeliveryStorage:
        """Where stored deliveries go."""

    @property
    def network(self) -> FakeNetwork:
        """The service centre: outcome plans and what waits for service."""

    @property
    def counters(self) -> dict[str, int]:
        """Counters the tests read."""

    @property
    def now(self) -> float:
        """The device time of the step being run."""

    def emit_urc(self, text: str, due: float | None = None) -> None:
        """Print an unsolicited result code."""

    def schedule_event(self, due: float, action: Callable[[float], None]) -> None:
        """Run ``action(due)`` when ``due`` passes."""
