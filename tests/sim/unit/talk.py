"""Drive a SimModem like a terminal would: type lines, read what comes back."""

from __future__ import annotations

from simulator.device import SimModem
from simulator.faults import FaultPlan
from simulator.profiles import get_profile

from .oracle import Pdu


class Terminal:
    """A SimModem with echo off and a clock the test moves by hand."""

    def __init__(
        self, profile: str = "generic", faults: FaultPlan | None = None, *, echo: bool = False
    ) -> None:
        self.modem = SimModem(get_profile(profile), faults)
        self.now = 0.0
        self.boot_output = self.modem.tick(self.now)
        if not echo:
            self.modem.state.echo = False

    def raw(self, data: bytes) -> bytes:
        return self.modem.feed(data, self.now)

    def cmd(self, line: str) -> str:
        """Send one command line and return the response text."""
        return self.raw(line.encode("latin-1") + b"\r").decode("latin-1")

    def lines(self, line: str) -> list[str]:
        """Send a command line and return its non-empty response lines."""
        return [part for part in self.cmd(line).split("\r\n") if part]

    def advance(self, seconds: float) -> str:
        self.now += seconds
        return self.modem.tick(self.now).decode("latin-1")

    def send_pdu(self, pdu: Pdu) -> str:
        """Run one AT+CMGS transaction; return what came after the prompt."""
        prompt = self.cmd(f"AT+CMGS={pdu.length}")
        assert prompt.endswith("> "), prompt
        return self.raw(pdu.hex.encode() + b"\x1a").decode("latin-1")
