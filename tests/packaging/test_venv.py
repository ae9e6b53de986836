"""The unpacked venv works on its own: Debian's python3.11, its own site-packages, its own commands.

The package's scripts name ``/opt/gsmgateway/bin/python`` (where it will be installed), so here the
unpacked interpreter runs them by path. Each runs from a directory outside the project, so nothing
can be imported from the source tree by accident.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.packaging.debfile import VENV, project_version

RUN_TIMEOUT = 60.0


def run_venv(unpacked: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the unpacked venv's python with ``args``, in ``cwd``, with no PYTHON* variables."""
    return subprocess.run(  # noqa: S603
        [str(unpacked / VENV / "bin/python"), *args],
        cwd=cwd, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )  # fmt: skip


def test_gsmgateway_version(unpacked: Path, tmp_path: Path) -> None:
    result = run_venv(unpacked, tmp_path, str(unpacked / VENV / "bin/gsmgateway"), "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"gsmgateway {project_version()}"


def test_it_imports_from_the_package_on_debians_interpreter(unpacked: Path, tmp_path: Path) -> None:
    probe = (
        "import os, sys, gsmgateway.app, simulator, aiohttp, sqlalchemy, asyncpg, apscheduler, gsmmodem.pdu\n"
        "print(os.path.realpath(sys.executable)); print(sys.base_prefix)\n"
        "print(os.path.dirname(gsmgateway.app.__file__)); print(os.path.dirname(simulator.__file__))"
    )
    result = run_venv(unpacked, tmp_path, "-c", probe)
    assert result.returncode == 0, result.stderr
    executable, base, gateway, simulator = result.stdout.splitlines()
    assert executable == "/usr/bin/python3.11"
    assert base == "/usr"
    site = unpacked / VENV / "lib/python3.11/site-packages"
    assert Path(gateway) == site / "gsmgateway"
    assert Path(simulator) == site / "simulator"


def test_the_fresh_config_keeps_the_service_stopped_until_a_modem_is_named(
    unpacked: Path, tmp_path: Path
) -> None:
    """has-modems says 1 (systemd skips the start, the unit is not failed); a modem is all it lacks."""
    config = unpacked / "etc/gsmgateway/gsmgateway.toml"
    script = str(unpacked / VENV / "bin/gsmgateway")
    result = run_venv(unpacked, tmp_path, script, "has-modems", "--config", str(config))
    assert result.returncode == 1, result.stderr
    assert "names no [[modems]]" in result.stderr
    checked = run_venv(unpacked, tmp_path, script, "check-config", "--config", str(config))
    assert checked.returncode == 78, checked.stderr
    problems = [line for line in checked.stderr.splitlines() if not line.endswith(str(config))]
    assert len(problems) == 1, checked.stderr
    assert "modems" in problems[0]
