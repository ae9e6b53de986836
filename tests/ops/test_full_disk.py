"""A full disk, for real: the state directory is a small tmpfs, filled until the kernel says ENOSPC.

What an operator must see: ``POST /sms`` answers a clean 503 (no SQL, no number in the body),
``/ready`` turns 503 saying the disk is full, and once a little space is freed the gateway recovers
by itself — no restart. The WAL, grown by the traffic before, must give its space back (checkpoint
and truncate) rather than eat what the operator freed. Mounting needs root (the CI runs as root);
the mount is private to this test's directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator import SimulatorServer
from tests.app.support import add_client, api_key, build_gateway, gateway_config, running
from tests.system.clients import eventually

#: What must never be in an error body: SQL, and the recipient's number or any long digit run.
LEAKS = re.compile(r"INSERT|SELECT|UPDATE|\[SQL|parameters|\d{6,}", re.IGNORECASE)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """Mount an 8 MB tmpfs at ``tmp_path/disk``; unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.fail("the full-disk test mounts a tmpfs and needs root (as `make test` runs on CI)")
    mount = tmp_path / "disk"
    mount.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(mount)]
    subprocess.run(command, check=True)  # noqa: S603 - fixed arguments
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)  # noqa: S603, S607 - fixed arguments


def fill(disk: Path, *, spare: int) -> Path:
    """Fill the disk: first a file of ``spare`` bytes (returned, to free later), then until ENOSPC."""
    for name, limit in (("spare", spare), ("filler", None)):
        fd = os.open(disk / name, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            with contextlib.suppress(OSError):  # ENOSPC: full
                written = 0
                while limit is None or written < limit:
                    written += os.write(fd, b"\0" * 4096)
        finally:
            os.close(fd)
    return disk / "spare"


def batch(first: int) -> dict[str, object]:
    return {
        "items": [{"clientId": "1001", "message": f"Reminder {first + i}: " + "x" * 120} for i in range(500)]
    }


async def test_a_full_disk_is_a_clean_503_and_the_gateway_recovers_by_itself(small_disk: Path) -> None:
    async with SimulatorServer(link="memory") as sim:
        gateway = build_gateway(gateway_config(small_disk / "state"), sim)
        async with running(gateway) as http:
            headers = await api_key(gateway)
            await add_client(gateway)
            body = {"clientId": "1001", "message": "Loan repayment due Friday. " * 5}
            assert (await http.post("/sms", json=body, headers=headers)).status == 202
            for first in range(0, 3000, 500):  # traffic before: the WAL grows
                assert (await http.post("/sms/batch", json=batch(first), headers=headers)).status == 202
            wal = small_disk / "state" / "gsmgateway.db-wal"
            wal_before = wal.stat().st_size
            spare = fill(small_disk, spare=2 * 1024 * 1024)

            async def post() -> tuple[int, str]:
                async with http.post("/sms", json=body, headers=headers) as response:
                    return response.status, await response.text()

            status, text = await eventually(post, lambda r: r[0] != 202, what="a refused POST on a full disk")
            assert status == 503, text
            assert not LEAKS.search(text), text
            assert "the disk is full" in text

            async def ready() -> tuple[int, dict[str, object]]:
                async with http.get("/ready") as response:
                    return response.status, await response.json()

            status, readiness = await ready()
            assert status == 503
            assert readiness["store"] == "not_writable"
            assert readiness["storeProblem"] == "the disk is full"

            spare.unlink()  # an operator frees some space (an old log); nobody restarts anything
            await eventually(ready, lambda r: r[0] == 200, what="/ready after space was freed")
            await eventually(  # the WAL gives back the space it had grown to
                lambda: asyncio.to_thread(lambda: wal.stat().st_size),
                lambda size: size < wal_before,
                what="a truncated WAL",
            )
            assert (await post())[0] == 202
            for first in range(3000, 4500, 500):  # more than the space freed: it needs the WAL's too
                reply = await http.post("/sms/batch", json=batch(first), headers=headers)
                assert reply.status == 202, await reply.text()
