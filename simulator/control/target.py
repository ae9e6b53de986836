"""What the control surface drives: the running simulator, as a protocol it can be tested against."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from simulator.faults.plan import FaultPlan
from simulator.links.base import LinkKind
from simulator.network.incoming import IncomingSms
from simulator.network.smsc import Outcome
from simulator.pdu.submit import CompleteMessage, Submit
from simulator.profiles.model import Profile
from simulator.profiles.preload import Preload
from simulator.state.view import StorageView


class ControlledSimulator(Protocol):
    """What the control surface drives: :class:`simulator.server.SimulatorServer` satisfies it."""

    @property
    def profile(self) -> Profile:
        """The profile the device runs."""

    @property
    def link_kind(self) -> LinkKind:
        """memory, tcp or pty."""

    @property
    def url(self) -> str | None:
        """What a client opens."""

    @property
    def pty_name(self) -> str | None:
        """``/dev/pts/N`` behind the pty symlink."""

    @property
    def plugged(self) -> bool:
        """True while plugged in."""

    @property
    def connected(self) -> bool:
        """True while a client holds the port."""

    @property
    def counters(self) -> dict[str, int]:
        """Device and link counters."""

    @property
    def submits(self) -> list[Submit]:
        """Every accepted SMS-SUBMIT."""

    @property
    def faults(self) -> FaultPlan:
        """The fault plan in force."""

    async def wait_for_submits(self, count: int, timeout: float = 5.0) -> list[Submit]:  # noqa: ASYNC109
        """Return once ``count`` submits were accepted (TimeoutError otherwise)."""

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Return once ``condition()`` holds (TimeoutError otherwise)."""

    def complete_messages(self) -> list[CompleteMessage]:
        """Every message whose parts have all been submitted."""

    def inject(self, sms: IncomingSms) -> None:
        """Deliver an incoming SMS now."""

    def preload(self, entries: tuple[Preload, ...]) -> None:
        """Put messages into the memories (ValueError when they do not fit)."""

    def storage(self) -> dict[str, StorageView]:
        """Every memory's use and contents."""

    def plan(
        self, recipient: str, outcome: Outcome, *, delay: float = 0.0, temporary_delay: float = 0.0
    ) -> None:
        """Decide what the network reports for ``recipient``."""

    def set_faults(self, faults: FaultPlan) -> None:
        """Install a new fault plan."""

    async def unplug(self) -> None:
        """Pull the cable."""

    async def replug(self, *, reboot: bool = False) -> None:
        """Push it back in."""
