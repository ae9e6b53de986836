"""``gsmgateway has-modems``: the unit's ExecCondition= (exit 0 start, 1 skip; see systemd.service(5))."""

from __future__ import annotations

from pathlib import Path

import pytest

from gsmgateway.cli import main

NO_MODEM = """
# as the package installs it: every key commented out
[api]
# port = 8080
"""
ONE_MODEM = """
[[modems]]
id = "modem-1"
port = "/dev/serial/by-id/usb-HUAWEI_Mobile-if00-port0"
"""


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gsmgateway.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_config_without_modems_skips_the_start_and_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path, NO_MODEM)
    assert main(["has-modems", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert str(path) in err
    assert "[[modems]]" in err
    assert "systemctl start gsmgateway" in err


def test_a_config_naming_a_modem_lets_the_start_go_on(tmp_path: Path) -> None:
    assert main(["has-modems", "--config", str(_config(tmp_path, ONE_MODEM))]) == 0


@pytest.mark.parametrize(
    "text",
    [
        "[[modems]\nid = 'broken toml'",  # not TOML at all
        NO_MODEM + "\ncolour = 'blue'\n",  # an unknown key
    ],
)
def test_a_config_with_problems_is_left_to_check_config_to_report(tmp_path: Path, text: str) -> None:
    """Exit 1 would skip the start silently; 0 lets ExecStartPre's check-config fail it, loudly."""
    path = _config(tmp_path, text)
    assert main(["has-modems", "--config", str(path)]) == 0
    assert main(["check-config", "--config", str(path)]) == 78


def test_a_missing_config_is_left_to_check_config_too(tmp_path: Path) -> None:
    assert main(["has-modems", "--config", str(tmp_path / "absent.toml")]) == 0
