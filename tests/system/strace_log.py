"""Reading an ``strace -f -yy`` log: was every write to the SQLite WAL on disk before a given write.

The question the durability rule asks is precise: when the daemon writes ``AT+CMGS`` to the modem,
or the ``202`` to the platform's socket, has every WAL write before it been followed by an
``fdatasync``/``fsync`` of the WAL that *started after it* and *completed before* the write in
question? A sync that began before a later WAL write does not cover that write. strace prints an
interrupted call as ``name(args <unfinished ...>`` and its end as ``<... name resumed>) = N``; a call
completes on its own line or on its ``resumed`` line.

This parser is the test's own: it knows nothing of the gateway's code, only strace's format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINE = re.compile(r"^(?P<pid>\d+)\s+(?P<rest>.*)$")
_CALL = re.compile(r"^(?P<name>\w+)\((?P<fd>\d+)<(?P<path>[^>]*)>(?P<args>.*)$")
_RESUMED = re.compile(r"^<\.\.\. (?P<name>\w+) resumed>")
WAL_WRITES = {"pwrite64", "write", "writev", "pwritev", "pwritev2"}
SYNCS = {"fdatasync", "fsync"}


@dataclass
class Checkpoint:
    """One write the test cares about, and whether every WAL write before it was synced."""

    line_no: int
    line: str
    wal_writes_before: int
    synced: bool
    last_wal_write: str
    covering_sync: str


@dataclass
class WalTrace:
    """The WAL's writes and syncs, replayed in the order strace saw them."""

    wal_suffix: str = "gsmgateway.db-wal"
    writes: int = 0
    synced_upto: int = 0
    last_write: str = ""
    last_sync: str = ""
    _sync_started: dict[str, tuple[int, str]] = field(default_factory=dict)

    def feed(self, pid: str, rest: str) -> None:
        """Account one strace line (without its pid) for the WAL."""
        resumed = _RESUMED.match(rest)
        if resumed:
            if resumed.group("name") in SYNCS and pid in self._sync_started:
                self._synced(*self._sync_started.pop(pid), rest)
            return
        call = _CALL.match(rest)
        if not call or not call.group("path").endswith(self.wal_suffix):
            return
        name = call.group("name")
        if name in WAL_WRITES:
            self.writes += 1
            self.last_write = rest
        elif name in SYNCS:
            if "<unfinished ...>" in rest:
                self._sync_started[pid] = (self.writes, rest)
            elif rest.rstrip().endswith("= 0"):
                self._synced(self.writes, rest, rest)

    def _synced(self, upto: int, started: str, ended: str) -> None:
        if ended.rstrip().endswith("= 0") and upto > self.synced_upto:
            self.synced_upto = upto
            self.last_sync = started

    @property
    def clean(self) -> bool:
        """Whether every WAL write so far is covered by a completed sync."""
        return self.synced_upto >= self.writes


def checkpoints(log: str, marker: re.Pattern[str]) -> list[Checkpoint]:
    """Replay the log; for every line whose call writes something matching ``marker``, say if it was safe."""
    wal = WalTrace()
    found: list[Checkpoint] = []
    for number, raw in enumerate(log.splitlines(), start=1):
        match = _LINE.match(raw)
        if not match:
            continue
        pid, rest = match.group("pid"), match.group("rest")
        if marker.search(rest) and not _RESUMED.match(rest):
            found.append(Checkpoint(number, raw, wal.writes, wal.clean, wal.last_write, wal.last_sync))
        wal.feed(pid, rest)
    return found
