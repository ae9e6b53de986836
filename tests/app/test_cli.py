"""``check-config`` and ``run`` as the CLI exposes them, and the journald-friendly log format."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from gsmgateway.cli import main
from gsmgateway.configcheck import check_config
from gsmgateway.logsetup import configure_logging

GOOD = """
state_dir = "{state}"
[api]
port = 0
[[modems]]
id = "modem-1"
port = "socket://127.0.0.1:7"
"""
BAD = """
colour = "blue"
[api]
port = 70000
[dispatch]
mode = "sometimes"
[[modems]]
id = "a"
port = "/dev/ttyUSB0"
[[modems]]
id = "a"
port = "/dev/ttyUSB1"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gsmgateway.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_config_accepts_a_good_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, GOOD.format(state=tmp_path / "state"))
    assert main(["check-config", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "configuration OK" in out
    assert "modem modem-1: socket://127.0.0.1:7" in out


def test_check_config_lists_every_problem_and_exits_78(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, BAD)
    assert main(["--config", str(path), "check-config"]) == 78
    err = capsys.readouterr().err
    for expected in ("colour: unknown key", "api.port", "dispatch.mode", "'a' used twice"):
        assert expected in err
    assert "4 problem(s)" in err


def test_check_config_refuses_a_gateway_without_modems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, f'state_dir = "{tmp_path}"\n')
    assert main(["--config", str(path), "check-config"]) == 78
    assert "modems: none configured" in capsys.readouterr().err


def test_check_config_warns_about_a_missing_device_but_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, f'state_dir = "{tmp_path}"\n[[modems]]\nid = "m"\nport = "{tmp_path}/nope"\n')
    assert main(["--config", str(path), "check-config"]) == 0
    assert "does not exist now" in capsys.readouterr().out


def test_run_with_a_bad_config_exits_78_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, BAD)
    assert main(["run", "--config", str(path)]) == 78
    captured = capsys.readouterr()
    assert "colour: unknown key" in captured.err
    assert "listening" not in captured.out


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.usefixtures("root_logging")
def test_logs_carry_syslog_priorities_under_journald(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with (tmp_path / "journal").open("w+", encoding="utf-8") as stream:
        stat = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{stat.st_dev}:{stat.st_ino}")
        configure_logging("INFO", stream=stream)
        logging.getLogger("gsmgateway.test").warning("modem %s lost", "m1")
        logging.getLogger("gsmgateway.test").debug("not shown at INFO")
        stream.seek(0)
        assert stream.read() == "<4>gsmgateway.test: modem m1 lost\n"


@pytest.mark.usefixtures("root_logging")
def test_logs_get_a_time_stamp_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)
    logging.getLogger("gsmgateway.test").error("store locked")
    line = stream.getvalue()
    assert line.endswith("ERROR   gsmgateway.test: store locked\n")
    assert line[:4].isdigit()
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("LOUD", stream=stream)


def test_check_config_refuses_an_unknown_store_driver_and_hides_the_password(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[store]\nurl = "mysql://gw:s3cret@db/gw"\n[[modems]]\nid = "m"\nport = "socket://127.0.0.1:7"\n',
    )
    problems, _ = check_config(path, env={})
    assert len(problems) == 1
    assert problems[0].startswith("store.url: use one of sqlite+aiosqlite:, postgresql+asyncpg:")
    assert "s3cret" not in problems[0]
    assert "gw:***@db" in problems[0]


def test_check_config_names_a_state_dir_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    path = _write(tmp_path, f'state_dir = "{blocker}/state"\n[[modems]]\nid = "m"\nport = "socket://h:1"\n')
    problems, _ = check_config(path, env={})
    assert problems == [f"state_dir: {blocker}/state cannot be created"]
