"""Day-2 operations with real processes: one daemon per store, SIGHUP, a lost database, kill -9, backup.

Each scenario does what an operator (or an accident) does — a second ``gsmgateway run``, editing the
config and ``systemctl reload``, deleting the database, pulling the plug with ``kill -9`` — and
looks only at what an operator sees: exit codes, stderr, HTTP answers, and the SQLite file itself,
read with Python's own ``sqlite3`` (not the gateway's store code).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
from pathlib import Path

import aiohttp

from tests.system.clients import GatewayClient, eventually
from tests.system.conftest import SYSTEM, StackFactory
from tests.system.processes import DEVELOPMENT, ManagedProcess, daemon_arguments, run_cli, stderr_tail
from tests.system.stack import Stack, StackOptions

pytestmark = SYSTEM

EX_UNAVAILABLE = 69


def database_of(stack: Stack) -> Path:
    return stack.root / "state" / "gsmgateway.db"


async def exit_of(proc: ManagedProcess, timeout: float = 30.0) -> int:  # noqa: ASYNC109
    """Wait (bounded) for a process that must end by itself; return its exit code (our ends closed)."""
    async with asyncio.timeout(timeout):
        await proc.process.wait()
    return await proc.stop()


async def start_raw_daemon(stack: Stack, name: str) -> ManagedProcess:
    """``gsmgateway run`` on the stack's config, not registered as the stack's daemon."""
    args = [*stack.runtime.gateway, *daemon_arguments(stack.config)]
    return await ManagedProcess.start(name, args, log_dir=stack.root / "logs")


async def test_a_second_daemon_on_one_store_is_refused_and_kill_9_frees_the_lock(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions())
    first = stack.daemon
    assert first is not None
    gateway = GatewayClient(http, stack.url, stack.key)
    queued = await gateway.accepted("Sent while a second daemon tries its luck.", clientId="21")

    second = await start_raw_daemon(stack, "daemon-second")
    assert await exit_of(second) == EX_UNAVAILABLE, second.describe()
    refusal = stderr_tail(second.stderr_path)
    assert f"another gsmgateway (pid {first.proc.pid}) is running on {database_of(stack)}" in refusal
    assert "Traceback" not in refusal

    # The first daemon never noticed: its message is delivered, not turned `unknown` by a recovery.
    detail = await gateway.wait_for(queued["id"], "delivered")
    assert [e["to"] for e in detail["events"]].count("unknown") == 0, detail["events"]

    await stack.kill_daemon()  # kill -9: no code runs, yet the kernel frees the lock
    await stack.start_daemon()
    again = GatewayClient(http, stack.url, stack.key)
    assert (await again.request("GET", "/health", anonymous=True)).status == 200


async def test_the_demo_refuses_to_share_a_running_demos_database(tmp_path: Path) -> None:
    state = tmp_path / "demo"
    args = [*DEVELOPMENT.gateway, "demo", "--state-dir", str(state), "--port", "0"]
    first = await ManagedProcess.start("demo-1", args, log_dir=tmp_path)
    try:
        while "API on" not in await first.read_line():
            pass
        second = await ManagedProcess.start("demo-2", [*args, "--fresh"], log_dir=tmp_path)
        assert await exit_of(second) == EX_UNAVAILABLE, second.describe()
        refusal = stderr_tail(second.stderr_path)
        assert f"another gsmgateway (pid {first.pid}) is running on {state / 'gsmgateway.db'}" in refusal
        assert (state / "gsmgateway.db").exists(), "--fresh of the refused demo must not delete anything"
    finally:
        assert await first.stop() == 0, first.describe()


async def test_sighup_applies_a_new_log_level_and_drops_revoked_keys_at_once(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions(start_daemon=False))
    text = stack.config.read_text(encoding="utf-8")
    stack.config.write_text(text.replace('log_level = "INFO"', 'log_level = "WARNING"'), encoding="utf-8")
    daemon = await stack.start_daemon()
    gateway = GatewayClient(http, stack.url, stack.key)
    assert (await gateway.request("GET", "/sms", key=stack.read_only_key)).status == 200  # now cached

    listing = await run_cli(stack.config, "apikey", "list")
    (reporting_id,) = [line.split("\t")[0] for line in listing.stdout.splitlines() if "\treporting\t" in line]
    revoked = await run_cli(stack.config, "apikey", "revoke", reporting_id)
    assert revoked.code == 0, revoked.stderr
    stack.config.write_text(text.replace('log_level = "INFO"', 'log_level = "DEBUG"'), encoding="utf-8")

    os.kill(daemon.proc.pid, signal.SIGHUP)

    async def log_now() -> str:
        return stderr_tail(daemon.proc.stderr_path, 400)

    log = await eventually(
        log_now,
        lambda tail: "reloaded (SIGHUP)" in tail,
        what="the reload in the daemon's log",
    )
    # The line is logged at INFO: it shows only because DEBUG now applies (WARNING hid INFO before).
    assert "reloaded (SIGHUP): log level DEBUG" in log
    assert "gateway started" not in log, "INFO showed before the reload"
    assert daemon.proc.process.returncode is None
    assert (await gateway.request("GET", "/health", anonymous=True)).status == 200
    # The revoked key is refused now, not up to a minute later.
    assert (await gateway.request("GET", "/sms", key=stack.read_only_key)).status == 401


async def test_a_deleted_database_stops_the_daemon_and_the_next_start_points_at_the_rescue(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions())
    gateway = GatewayClient(http, stack.url, stack.key)
    kept = await gateway.accepted("Accepted before the accident.", clientId="31")
    daemon = stack.daemon
    assert daemon is not None
    stack.group.running.remove(daemon)
    stack.daemon = None
    database_of(stack).unlink()

    assert await exit_of(daemon.proc) == EX_UNAVAILABLE, daemon.proc.describe()
    said = stderr_tail(daemon.proc.stderr_path)
    match = re.search(r"was deleted while the gateway was running; what it held is saved in (\S+)", said)
    assert match, said
    rescued = Path(match.group(1))
    with sqlite3.connect(rescued) as copy:
        assert copy.execute("SELECT count(*) FROM messages WHERE id = ?", (kept["id"],)).fetchone() == (1,)

    refused = await start_raw_daemon(stack, "daemon-after-loss")
    assert await exit_of(refused) == EX_UNAVAILABLE
    assert f"what it held was saved in {rescued}" in stderr_tail(refused.stderr_path)

    os.rename(rescued, database_of(stack))  # the operator follows the advice: the message is back
    await stack.start_daemon()
    assert (await GatewayClient(http, stack.url, stack.key).get(kept["id"]))["id"] == kept["id"]


async def test_a_wal_without_its_database_is_refused_at_start(make_stack: StackFactory) -> None:
    stack = await make_stack(StackOptions())
    await stack.kill_daemon()  # no orderly close: the WAL stays beside the database
    wal = database_of(stack).with_name("gsmgateway.db-wal")
    assert wal.exists()
    database_of(stack).unlink()

    refused = await start_raw_daemon(stack, "daemon-wal-only")
    assert await exit_of(refused) == EX_UNAVAILABLE
    said = stderr_tail(refused.stderr_path)
    assert f"{wal} exists but the database {database_of(stack)} does not" in said, said
    assert not database_of(stack).exists(), "no empty database may be created in its place"


async def test_every_202_is_in_the_file_after_kill_9(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions())
    gateway = GatewayClient(http, stack.url, stack.key)
    acknowledged: list[int] = []
    enough = asyncio.Event()

    async def client(worker: int) -> None:
        for n in range(1000):
            try:
                reply = await gateway.send(f"Reminder {worker}-{n}", clientId=str(40 + worker))
            except aiohttp.ClientError:
                return  # the daemon died under us: this one was never acknowledged
            if reply.status == 202:
                acknowledged.append(reply.body["id"])
                if len(acknowledged) >= 200:
                    enough.set()

    clients = [asyncio.create_task(client(w)) for w in range(20)]
    async with asyncio.timeout(60):
        await enough.wait()
    await stack.kill_daemon()  # mid-stream: requests are in flight
    await asyncio.gather(*clients)

    with sqlite3.connect(database_of(stack)) as db:  # SQLite's own reader replays the WAL
        stored = {row[0] for row in db.execute("SELECT id FROM messages")}
    missing = sorted(set(acknowledged) - stored)
    assert not missing, f"{len(missing)} acknowledged message(s) lost: {missing[:10]}"


async def test_status_backup_and_a_newer_database(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions())
    gateway = GatewayClient(http, stack.url, stack.key)
    sent = await gateway.accepted("Counted by the status page.", clientId="51")
    await gateway.wait_for(sent["id"], "delivered")

    status = await run_cli(stack.config, "status", "--url", stack.url)  # the config says port 0
    assert status.code == 0, status.stderr
    assert f"gsmgateway at {stack.url}: ready" in status.stdout
    assert "modem-1: ready, signal" in status.stdout
    assert re.search(r"since start: accepted [1-9]", status.stdout), status.stdout

    backup = stack.root / "backup.db"
    made = await run_cli(stack.config, "backup", str(backup))
    assert made.code == 0, made.stderr
    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT status FROM messages WHERE id = ?", (sent["id"],)).fetchone() == (
            "delivered",
        )
    again = await run_cli(stack.config, "backup", str(backup))
    assert again.code != 0
    assert "never overwrites" in again.stderr

    await stack.stop_daemon()
    with sqlite3.connect(database_of(stack)) as db:  # as a newer gsmgateway would leave it
        db.execute("UPDATE alembic_version SET version_num = '9999'")
    refused = await start_raw_daemon(stack, "daemon-old-code")
    assert await exit_of(refused) == EX_UNAVAILABLE
    said = stderr_tail(refused.stderr_path).strip().splitlines()
    assert len(said) == 1, said
    assert "schema revision '9999', newer than this gsmgateway" in said[0]
