"""A webhook receiver in a process of its own, for the system tests.

The daemon keeps HTTP connections to it alive across tests; served from the test process, their
handler tasks would count as leaks of whichever test was running. So the receiver
(``tests/webhooks/receiver.py``, with its own signature check) runs as a child: it appends every
call to a JSON-lines file, and goes down (connections refused) and comes back on the same port
when told, without a new process.
"""

from __future__ import annotations

import json
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.system.processes import ManagedProcess


@dataclass
class ReceiverProcess:
    """The receiver child; ``port`` stays the same over stops and starts."""

    secret: str
    record: Path
    log_dir: Path
    port: int = 0
    proc: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        args = [sys.executable, "-m", "tests.webhooks.receiver", "--port", str(self.port),
                "--secret", self.secret, "--record", str(self.record)]  # fmt: skip
        self.proc = await ManagedProcess.start("receiver", args, log_dir=self.log_dir)
        line = await self.proc.read_line()
        assert line.startswith("listening "), line
        self.port = int(line.split()[1])

    async def go_down(self) -> None:
        """Stop listening: the daemon's calls are refused until :meth:`come_back`."""
        await self._switch(signal.SIGUSR1, "down")

    async def come_back(self) -> None:
        """Listen again, on the same port."""
        await self._switch(signal.SIGUSR2, "up")

    async def _switch(self, signum: int, confirmation: str) -> None:
        assert self.proc is not None
        self.proc.process.send_signal(signum)
        assert await self.proc.read_line() == confirmation

    async def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            code = await proc.stop()
            assert code == 0, proc.describe()

    def calls(self) -> list[dict[str, Any]]:
        """Every call received so far: ``headers``, ``json`` (the body) and ``signature_ok``."""
        if not self.record.exists():
            return []
        calls = []
        for line in self.record.read_text(encoding="utf-8").splitlines():
            call = json.loads(line)
            call["json"] = json.loads(call["body"])
            calls.append(call)
        return calls
