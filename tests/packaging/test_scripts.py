"""The maintainer scripts: valid POSIX sh, steps in the order that makes a first install work.

What the scripts *do* on a real Debian 12 (install, remove, purge) is ``make deb-check``'s job
(packaging/check-install.sh, in a chroot); here they are read and parsed by ``sh -n``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

SCRIPTS = ("postinst", "prerm", "postrm")


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_maintainer_script_is_valid_posix_sh(control: Path, name: str) -> None:
    script = control / name
    assert script.read_text().startswith("#!/bin/sh\n")
    result = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True, check=False)  # noqa: S603, S607
    assert result.returncode == 0, result.stderr


def test_no_script_needs_the_network(control: Path) -> None:
    for name in SCRIPTS:
        text = (control / name).read_text()
        for fetcher in ("pip ", "pip3", "curl", "wget", "apt-get", "http://", "https://"):
            assert fetcher not in text, f"{name} mentions {fetcher!r}"


def test_postinst_makes_the_user_then_the_config_group_then_starts_the_service(control: Path) -> None:
    """The group must exist before the config is given to it, and both before the service starts.

    Out of order, a first install would start the daemon as a user that cannot read its config.
    """
    text = (control / "postinst").read_text()
    steps = [
        "systemd-sysusers",  # creates user gsmgateway (and adds it to dialout)
        "systemd-tmpfiles",  # the config's group, the state directory
        "deb-systemd-helper enable 'gsmgateway.service'",  # enabled at install
        "deb-systemd-invoke $_dh_action 'gsmgateway.service'",  # started (ExecCondition decides)
    ]
    positions = [text.find(step) for step in steps]
    assert -1 not in positions, dict(zip(steps, positions, strict=True))
    assert positions == sorted(positions), dict(zip(steps, positions, strict=True))


def test_only_purge_removes_the_database_and_nothing_asks_a_question(control: Path) -> None:
    text = (control / "postrm").read_text()
    purge_block = text.split('if [ "$1" = "purge" ]; then', 1)[1].split("fi", 1)[0]
    assert "rm -rf /var/lib/gsmgateway" in purge_block
    assert text.count("rm -rf /var/lib/gsmgateway") == 1, "the state directory is removed outside purge"
    assert not (control / "templates").exists(), "debconf questions"
    assert not (control / "config").exists(), "debconf questions"
