"""What the package installs, with which modes and owners, read from ``dpkg-deb`` (issue 10).

The expectations are the issue's and Debian's: a self-contained venv in /opt/gsmgateway on Debian's
own python3.11, ``/usr/bin/gsmgateway``, the config as a conffile readable only by root and the
service's group, the system user in ``dialout``, the unit and the udev rule where systemd and udev
look for packaged files.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.packaging.debfile import VENV, Entry, field, host_architecture, project_version

CONFIG = "etc/gsmgateway/gsmgateway.toml"


def test_the_package_is_named_and_labelled_for_this_version_and_architecture(deb: Path) -> None:
    version, arch = project_version(), host_architecture()
    assert deb.name == f"gsmgateway_{version}_{arch}.deb"
    assert field(deb, "Package") == "gsmgateway"
    assert field(deb, "Version") == version
    assert field(deb, "Architecture") == arch


def test_the_venv_runs_on_debians_python_not_a_build_machines(deb: Path, listing: dict[str, Entry]) -> None:
    interpreter = listing[f"{VENV}/bin/python3.11"]
    assert interpreter.mode.startswith("l")
    assert interpreter.target == "/usr/bin/python3.11"
    depends = [dependency.strip() for dependency in field(deb, "Depends").split(",")]
    assert "python3.11" in depends


def test_every_script_in_the_venv_runs_the_venvs_interpreter_where_it_is_installed(unpacked: Path) -> None:
    bin_dir = unpacked / VENV / "bin"
    scripts = [path for path in bin_dir.iterdir() if path.is_file() and not path.is_symlink()]
    shebangs = {path.name: path.read_bytes().split(b"\n", 1)[0] for path in scripts}
    del shebangs["activate"]  # sourced by a shell, not run
    assert shebangs, "no scripts in the venv's bin/"
    assert set(shebangs.values()) == {b"#!/opt/gsmgateway/bin/python"}, shebangs
    assert {"gsmgateway", "gsmgateway-sim"} <= shebangs.keys()


def test_the_venv_is_self_contained_without_pip(unpacked: Path, listing: dict[str, Entry]) -> None:
    config = (unpacked / VENV / "pyvenv.cfg").read_text()
    assert re.search(r"^home = /usr/bin$", config, re.MULTILINE), config
    assert re.search(r"^include-system-site-packages = false$", config, re.MULTILINE), config
    assert "/build/" not in config, "the build directory leaked into pyvenv.cfg"
    site = f"{VENV}/lib/python3.11/site-packages"
    for needed in ("gsmgateway", "simulator", "aiohttp", "sqlalchemy", "serial", "gsmmodem", "alembic"):
        assert f"{site}/{needed}/" in listing, f"{needed} is not in the venv"
    assert f"{site}/pip/" not in listing
    assert f"{VENV}/bin/pip" not in listing


def test_the_consoles_templates_and_assets_are_in_the_package(listing: dict[str, Entry]) -> None:
    console = f"{VENV}/lib/python3.11/site-packages/gsmgateway/api/console"
    pages = ("base", "sign_in", "overview", "messages", "message", "test_sms", "keys", "directory", "inbound",
             "error")  # fmt: skip
    for name in [f"templates/{page}.html" for page in pages] + ["static/console.css", "static/console.js"]:
        assert f"{console}/{name}" in listing, f"{name} is not in the package"


def test_the_command_is_on_the_path(listing: dict[str, Entry]) -> None:
    link = listing["usr/bin/gsmgateway"]
    assert link.target == "/opt/gsmgateway/bin/gsmgateway"
    script = listing[f"{VENV}/bin/gsmgateway"]
    assert (script.mode, script.owner) == ("-rwxr-xr-x", "root/root")
    assert "usr/bin/gsmgateway-sim" not in listing, "the simulator stays in /opt/gsmgateway/bin"
    assert listing["usr/share/man/man1/gsmgateway.1.gz"].mode == "-rw-r--r--"


def test_the_config_is_a_conffile_that_only_root_and_the_service_read(
    listing: dict[str, Entry], control: Path, unpacked: Path
) -> None:
    config = listing[CONFIG]
    assert (config.mode, config.owner) == ("-rw-r-----", "root/root")  # the group is set at install
    assert f"/{CONFIG}" in (control / "conffiles").read_text().split()
    assert ("z", f"/{CONFIG}", "0640", "root", "gsmgateway") in tmpfiles(unpacked)
    assert "[[modems]]" not in active_lines((unpacked / CONFIG).read_text()), "a fresh install names no modem"


def test_the_system_user_is_created_in_dialout(unpacked: Path, listing: dict[str, Entry]) -> None:
    assert listing["usr/lib/sysusers.d/gsmgateway.conf"].mode == "-rw-r--r--"
    sysusers = (unpacked / "usr/lib/sysusers.d/gsmgateway.conf").read_text()
    lines = [line.split() for line in active_lines(sysusers)]
    users = [line for line in lines if line[0] == "u"]
    assert [line[1] for line in users] == ["gsmgateway"]
    assert ["m", "gsmgateway", "dialout"] in lines


def test_the_state_directory_belongs_to_the_service_alone(unpacked: Path) -> None:
    assert ("d", "/var/lib/gsmgateway", "0750", "gsmgateway", "gsmgateway") in tmpfiles(unpacked)


def test_the_unit_and_the_udev_rule_are_where_systemd_and_udev_look(listing: dict[str, Entry]) -> None:
    unit = listing["lib/systemd/system/gsmgateway.service"]
    assert (unit.mode, unit.owner) == ("-rw-r--r--", "root/root")
    rule = listing["lib/udev/rules.d/90-gsmgateway.rules"]
    assert (rule.mode, rule.owner) == ("-rw-r--r--", "root/root")


def test_nothing_is_owned_by_anyone_but_root(listing: dict[str, Entry]) -> None:
    assert {entry.owner for entry in listing.values()} == {"root/root"}


def active_lines(text: str) -> list[str]:
    """Return the lines that are not comments or blank."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def tmpfiles(unpacked: Path) -> list[tuple[str, ...]]:
    """Return the tmpfiles.d lines of the package: (type, path, mode, user, group)."""
    text = (unpacked / "usr/lib/tmpfiles.d/gsmgateway.conf").read_text()
    return [tuple(line.split()[:5]) for line in active_lines(text)]
