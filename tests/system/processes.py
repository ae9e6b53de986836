"""Real processes for the system tests: the simulator and the daemon, started, watched and stopped.

Everything here talks to the processes the way an operator's tooling would: command lines, the lines
they announce on stdout, signals, and exit codes. A process's stderr goes to a file in the test's
directory, and its tail is put into every failure message, so a red test says why the daemon died.
Every start is paired with a stop that waits for the exit; nothing outlives the fixture that made it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 30.0  # a cold interpreter on a busy 2-core box, plus migrations
STOP_TIMEOUT = 20.0
CLI_TIMEOUT = 60.0
#: The console script ``pip install`` made, next to this interpreter (the venv's bin/).
SIM_SCRIPT = Path(sys.executable).with_name("gsmgateway-sim")
LISTENING = re.compile(r"^gsmgateway: listening on (http://\S+)$")


@dataclass(frozen=True)
class Runtime:
    """How the two programs are started: from the development venv, or from an installed package.

    A package's console scripts are run by its own interpreter (their ``#!`` names where it will be
    installed), never with ``-m`` from the project root, which would import the source tree instead.
    """

    gateway: tuple[str, ...] = (sys.executable, "-m", "gsmgateway")
    simulator: tuple[str, ...] = (str(SIM_SCRIPT),)


DEVELOPMENT = Runtime()


def child_environment() -> dict[str, str]:
    """Return the environment minus ``GSMGATEWAY_*``: a developer's shell must not change the config."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GSMGATEWAY_")}


def open_log(path: Path) -> IO[bytes]:
    """Open (append) the file a child's stderr goes to, creating its directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("ab")


def stderr_tail(path: Path, lines: int = 40) -> str:
    """Return the last ``lines`` lines of a captured stderr file (for failure messages)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no stderr captured)"
    return "\n".join(text.splitlines()[-lines:])


class ManagedProcess:
    """One child process with stdout piped to us and stderr captured to a file."""

    def __init__(self, name: str, process: asyncio.subprocess.Process, stderr: IO[bytes], path: Path) -> None:
        self.name = name
        self.process = process
        self._stderr_file = stderr
        self.stderr_path = path
        self.announced: list[str] = []

    @classmethod
    async def start(
        cls, name: str, args: list[str], *, log_dir: Path, env: Mapping[str, str] | None = None
    ) -> ManagedProcess:
        """Start ``args`` (argv) with the project root as working directory; ``env`` adds variables."""
        path = log_dir / f"{name}.stderr"
        stderr = open_log(path)
        try:
            process = await asyncio.create_subprocess_exec(
                *args, cwd=ROOT, env={**child_environment(), **(env or {})}, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=stderr,
            )  # fmt: skip
        except BaseException:
            stderr.close()
            raise
        return cls(name, process, stderr, path)

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid

    def describe(self) -> str:
        """Return who this is and what it last wrote to stderr."""
        status = f"{self.name} (pid {self.pid}, exit {self.process.returncode})"
        return f"{status} stderr:\n{stderr_tail(self.stderr_path)}"

    async def read_line(self, timeout: float = STARTUP_TIMEOUT) -> str:  # noqa: ASYNC109
        """Return the next stdout line; fail with the stderr tail on EOF or after ``timeout``."""
        assert self.process.stdout is not None
        try:
            async with asyncio.timeout(timeout):
                raw = await self.process.stdout.readline()
        except TimeoutError:
            raise AssertionError(f"no line within {timeout}s from {self.describe()}") from None
        if not raw:
            await self._reap()
            raise AssertionError(f"stdout closed before the expected line: {self.describe()}")
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        self.announced.append(line)
        return line

    async def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send ``signum`` (if still running), wait for the exit, close our ends; return the exit code."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signum)
        try:
            await self._reap()
        except TimeoutError:
            self.process.kill()
            await self._reap()
            raise AssertionError(
                f"did not exit within {STOP_TIMEOUT}s of signal {signum}: {self.describe()}"
            ) from None
        assert self.process.returncode is not None
        return self.process.returncode

    async def _reap(self) -> None:
        try:
            async with asyncio.timeout(STOP_TIMEOUT):
                await self.process.wait()
                if self.process.stdout is not None:
                    await self.process.stdout.read()
        finally:
            if self.process.returncode is not None:
                self._stderr_file.close()


@dataclass
class SimulatorProcess:
    """A simulated modem on a pty: its device path, control URL and the submits it will see."""

    proc: ManagedProcess
    device: str
    control: str

    @classmethod
    async def start(
        cls,
        name: str,
        pty_path: Path,
        *,
        log_dir: Path,
        faults: dict[str, Any] | None = None,
        runtime: Runtime = DEVELOPMENT,
        extra_args: tuple[str, ...] = (),
    ) -> SimulatorProcess:
        """Start the installed ``gsmgateway-sim`` CLI, with ``faults`` (its JSON form) from the start."""
        args = [*runtime.simulator, "--pty", str(pty_path), "--control", "127.0.0.1:0", *extra_args]
        if faults is not None:
            args += ["--faults-json", json.dumps(faults)]
        proc = await ManagedProcess.start(name, args, log_dir=log_dir)
        try:
            info: dict[str, str] = {}
            while (line := await proc.read_line()) != "ready":
                key, _, value = line.partition("=")
                info[key] = value
            assert "device" in info, f"no device= line from {proc.describe()}"
            assert "control" in info, f"no control= line from {proc.describe()}"
        except BaseException:
            await proc.stop(signal.SIGKILL)
            raise
        return cls(proc, info["device"], info["control"])

    async def stop(self) -> None:
        """SIGTERM; the simulator must exit 0."""
        code = await self.proc.stop()
        assert code == 0, f"simulator exited {code}: {self.proc.describe()}"


def daemon_arguments(config: Path) -> list[str]:
    """``run --config FILE``: the documented way to start the daemon (issue 4, the daemon brief)."""
    return ["run", "--config", str(config)]


@dataclass
class DaemonProcess:
    """``python -m gsmgateway run --config FILE`` and the URL it announced."""

    proc: ManagedProcess
    url: str

    @classmethod
    async def start(
        cls,
        name: str,
        config: Path,
        *,
        log_dir: Path,
        runtime: Runtime = DEVELOPMENT,
        env: Mapping[str, str] | None = None,
    ) -> DaemonProcess:
        """Start the daemon and wait (bounded) for ``gsmgateway: listening on http://HOST:PORT``."""
        args = [*runtime.gateway, *daemon_arguments(config)]
        proc = await ManagedProcess.start(name, args, log_dir=log_dir, env=env)
        try:
            while not (match := LISTENING.match(await proc.read_line())):
                pass
        except BaseException:
            await proc.stop(signal.SIGKILL)
            raise
        return cls(proc, match.group(1))

    async def stop(self) -> None:
        """SIGTERM; the daemon must shut down in order and exit 0."""
        code = await self.proc.stop()
        assert code == 0, f"daemon exited {code} after SIGTERM: {self.proc.describe()}"

    async def kill(self) -> None:
        """SIGKILL (``kill -9``): no shutdown code runs; the exit is by the signal."""
        code = await self.proc.stop(signal.SIGKILL)
        assert code == -signal.SIGKILL, f"expected death by SIGKILL, got {code}"


@dataclass
class CliResult:
    """What one ``gsmgateway`` command printed and how it exited."""

    code: int
    stdout: str
    stderr: str


async def run_cli(config: Path, *args: str, runtime: Runtime = DEVELOPMENT) -> CliResult:
    """Run ``python -m gsmgateway --config FILE ARGS…`` to completion (bounded)."""
    process = await asyncio.create_subprocess_exec(
        *runtime.gateway, "--config", str(config), *args,
        cwd=ROOT, env=child_environment(), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(CLI_TIMEOUT):
            out, err = await process.communicate()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return CliResult(process.returncode, out.decode(), err.decode())


async def create_api_key(config: Path, name: str, scopes: str, runtime: Runtime = DEVELOPMENT) -> str:
    """Create a key with the CLI and return it (the last line it prints)."""
    result = await run_cli(config, "apikey", "create", "--name", name, "--scopes", scopes, runtime=runtime)
    assert result.code == 0, f"apikey create failed ({result.code}): {result.stderr}"
    return result.stdout.strip().splitlines()[-1].strip()


async def import_directory(config: Path, csv_path: Path, runtime: Runtime = DEVELOPMENT) -> None:
    """Import a directory CSV with the CLI; all rows must be taken."""
    result = await run_cli(config, "directory", "import", str(csv_path), runtime=runtime)
    assert result.code == 0, f"directory import failed ({result.code}): {result.stderr}"


@dataclass
class ProcessGroup:
    """Every process a fixture started, so teardown stops each one even after a failure."""

    running: list[SimulatorProcess | DaemonProcess] = field(default_factory=list)

    async def stop_all(self) -> list[str]:
        """Stop everything still running (newest first); return the problems instead of raising early."""
        problems: list[str] = []
        while self.running:
            process = self.running.pop()
            try:
                await process.stop()
            except Exception as exc:  # keep stopping the others; every problem is reported at the end
                problems.append(f"{type(exc).__name__}: {exc}")
        return problems


def child_processes() -> dict[int, str]:
    """Return this process's living children (pid → command line), read from ``/proc`` (Linux).

    A child that exited but was not reaped yet (a zombie) counts: it means a missing ``wait()``.
    """
    me = os.getpid()
    children: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # it exited while we looked
        parent = int(stat.rpartition(")")[2].split()[1])
        if parent == me:
            children[int(entry.name)] = cmdline.strip()
    return children
