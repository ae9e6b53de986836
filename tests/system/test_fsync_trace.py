"""Durable means fsynced, checked at the system-call level with ``strace``.

The daemon runs under ``strace -f -yy`` (every thread, file descriptors shown with their paths and
socket addresses). One message is sent and delivered; then the trace is replayed
(``tests/system/strace_log.py``) and two writes are looked at:

* ``AT+CMGS=`` written to the modem's pty: the claim (``sending``) must already be on disk;
* ``HTTP/1.1 202`` sent to the platform's socket: the accepted message must already be on disk.

"On disk" means: every write to the SQLite WAL before that point was followed by an ``fdatasync``
(or ``fsync``) of the WAL that started after it and returned before that point. With SQLite's
``synchronous=NORMAL`` a WAL commit is not synced and this test fails. strace comes from Debian's
package (``make test`` installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path

import aiohttp

from tests.system.clients import GatewayClient
from tests.system.conftest import SYSTEM, StackFactory
from tests.system.processes import DEVELOPMENT, Runtime
from tests.system.stack import StackOptions
from tests.system.strace_log import checkpoints

pytestmark = SYSTEM

CALLS = "trace=write,writev,pwrite64,pwritev,sendto,sendmsg,fdatasync,fsync"
CMGS = re.compile(r'^write\(\d+</dev/pts/\d+(<[^>]*>)?>, "AT\+CMGS=')  # -yy adds <char 136:N>
ACCEPTED = re.compile(r'^(sendto|sendmsg|write|writev)\(\d+<TCP(v6)?:\[[^\]]*\]>, .*"HTTP/1\.1 202 ')


def daemon_pid(strace_pid: int) -> int:
    """Return the daemon's pid: the one child of strace (read from ``/proc``)."""
    children = Path(f"/proc/{strace_pid}/task/{strace_pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


async def test_the_claim_and_the_accepted_message_are_fsynced_before_cmgs_and_202(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    strace = shutil.which("strace")
    assert strace, "strace is missing: `make test` installs it (apt-get install strace)"
    stack = await make_stack(StackOptions(start_daemon=False))
    trace = stack.root / "strace.log"
    stack.runtime = Runtime(
        gateway=(strace, "-f", "-qq", "-yy", "-s", "48", "-e", CALLS, "-o", str(trace), *DEVELOPMENT.gateway),
        simulator=DEVELOPMENT.simulator,
    )
    daemon = await stack.start_daemon()
    gateway = GatewayClient(http, stack.url, stack.key)
    message = await gateway.accepted("Durable before it is acknowledged.", clientId="71")
    await gateway.wait_for(message["id"], "delivered")

    # SIGTERM to the daemon itself: strace then ends with it, passing on its exit code.
    os.kill(daemon_pid(daemon.proc.pid), signal.SIGTERM)
    stack.group.running.remove(daemon)
    stack.daemon = None
    assert await daemon.proc.stop(signal.SIGCONT) == 0, daemon.proc.describe()

    log = trace.read_text(encoding="utf-8", errors="replace")
    for what, marker in (("AT+CMGS to the modem", CMGS), ("202 to the platform", ACCEPTED)):
        seen = checkpoints(log, marker)
        assert seen, f"no {what} in the trace"
        for point in seen:
            assert point.wal_writes_before > 0, f"{what} before anything was written: {point.line}"
            assert point.synced, (
                f"{what} at line {point.line_no} while WAL writes were not synced:\n"
                f"  last WAL write: {point.last_wal_write}\n"
                f"  last sync: {point.covering_sync}\n  {point.line}"
            )
        short = re.compile(r"/\S*/state/")
        print(f"{what}: {len(seen)} time(s), each after the WAL's fdatasync")  # noqa: T201 - seen with -s
        last = seen[-1]
        for label, line in (("last WAL write", last.last_wal_write), ("covering sync", last.covering_sync),
                            ("then", last.line)):  # fmt: skip
            print(f"  {label + ':':16} {short.sub('.../state/', line)[:96]}")  # noqa: T201
