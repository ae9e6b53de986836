"""The packaged unit: what it asks of systemd, and what systemd's own tools say of it.

``systemd-analyze`` works without systemd as PID 1 (as on this machine): ``verify`` loads the unit
and checks its commands and man page exist; ``security --offline=true`` rates its sandbox. The
directives are read with a parser of our own (systemd.syntax(7): ``Key=value`` lines, keys may
repeat, an empty value resets a list) — not with the code under test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.packaging.debfile import VENV

UNIT = "lib/systemd/system/gsmgateway.service"
ANALYZE_TIMEOUT = 120.0
MAX_EXPOSURE = 2.0  # issue 10: "rates the unit ≤ 2.0"


def directives(text: str) -> dict[str, list[str]]:
    """Return each ``Key=value`` of the unit by ``Section.Key``, in order; an empty value resets a list."""
    found: dict[str, list[str]] = {}
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, _, value = line.partition("=")
        values = found.setdefault(f"{section}.{key.strip()}", [])
        if value.strip():
            values.append(value.strip())
        else:
            values.clear()
    return found


@pytest.fixture(scope="module")
def unit(unpacked: Path) -> dict[str, list[str]]:
    """Return the packaged unit's directives."""
    return directives((unpacked / UNIT).read_text())


def one(unit: dict[str, list[str]], key: str) -> str:
    """Return the single value of ``Service.key``."""
    values = unit.get(f"Service.{key}", [])
    assert len(values) == 1, f"{key}: {values}"
    return values[0]


def test_the_daemon_tells_systemd_when_it_is_ready_and_alive(unit: dict[str, list[str]]) -> None:
    assert one(unit, "Type") == "notify"
    assert one(unit, "NotifyAccess") == "main"
    assert int(one(unit, "WatchdogSec")) > 0
    assert one(unit, "Restart") == "on-failure"
    assert re.fullmatch(r"\S*kill -(HUP|SIGHUP|s HUP) \$MAINPID", one(unit, "ExecReload"))
    assert int(one(unit, "LimitNOFILE")) >= 4096


def test_it_runs_the_packaged_program_as_its_own_user_with_the_modems(unit: dict[str, list[str]]) -> None:
    config = "--config /etc/gsmgateway/gsmgateway.toml"
    assert one(unit, "ExecStart") == f"/opt/gsmgateway/bin/gsmgateway run {config}"
    assert one(unit, "ExecCondition") == f"/opt/gsmgateway/bin/gsmgateway has-modems {config}"
    assert one(unit, "User") == "gsmgateway"
    assert "dialout" in one(unit, "SupplementaryGroups").split()
    assert one(unit, "StateDirectory") == "gsmgateway"
    assert one(unit, "DevicePolicy") == "closed"
    assert {"char-ttyUSB rw", "char-ttyACM rw"} <= set(unit["Service.DeviceAllow"])
    # What the sandbox must leave: the real /dev (modems), the network (API, Fineract, PostgreSQL),
    # AF_UNIX (the notify socket).
    assert unit.get("Service.PrivateDevices", ["false"])[-1] in ("false", "no")
    assert unit.get("Service.PrivateNetwork", ["false"])[-1] in ("false", "no")
    families = " ".join(unit["Service.RestrictAddressFamilies"]).split()
    assert {"AF_UNIX", "AF_INET", "AF_INET6"} <= set(families)


def analyze() -> str:
    """Return the path of systemd-analyze; skip where it does not exist (the issue: "where it exists")."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (make deb-tools installs systemd on Debian)")
    return tool


def test_systemd_analyze_verify_finds_nothing(unpacked: Path, tmp_path: Path) -> None:
    """Verify resolves the unit's commands: point them at the unpacked package, and man at its pages."""
    text = (unpacked / UNIT).read_text().replace("/opt/gsmgateway", str(unpacked / VENV))
    copy = tmp_path / "gsmgateway.service"
    copy.write_text(text)
    env = {**os.environ, "MANPATH": str(unpacked / "usr/share/man")}
    result = subprocess.run(  # noqa: S603
        [analyze(), "verify", str(copy)], capture_output=True, text=True, env=env, timeout=ANALYZE_TIMEOUT,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == "", result.stdout + result.stderr


def test_systemd_analyze_security_rates_the_sandbox_at_most_2(unpacked: Path) -> None:
    result = subprocess.run(  # noqa: S603
        [analyze(), "security", "--offline=true", "--no-pager", str(unpacked / UNIT)],
        capture_output=True, text=True, timeout=ANALYZE_TIMEOUT, check=False,
    )  # fmt: skip
    match = re.search(r"Overall exposure level for gsmgateway\.service: (\d+\.\d+)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= MAX_EXPOSURE, result.stdout
