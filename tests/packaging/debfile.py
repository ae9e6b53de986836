"""The built Debian package as the tests see it: found in dist/, listed, unpacked — with dpkg-deb only.

``make deb`` (and so ``make test``) builds ``dist/gsmgateway_<version>_<arch>.deb`` before pytest
runs. A missing package fails the tests that need it with the command that builds it; it is never
a skip. Pytest alone tests whatever package dist/ holds: after changing what goes into it, run
``make deb`` (it rebuilds only then) or ``make test``. Listings are parsed here, independently of
anything the build used.
"""

from __future__ import annotations

import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Where the package's files will be once installed; everything else is relative to an unpacked copy.
VENV = "opt/gsmgateway"
DPKG_TIMEOUT = 120.0


def project_version() -> str:
    """Return the version pyproject.toml gives, which the package must carry."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def host_architecture() -> str:
    """Return Debian's name of this machine's architecture (``amd64``, ``arm64`` …)."""
    return dpkg("--print-architecture").strip()


def dpkg(*args: str) -> str:
    """Run ``dpkg``; return its stdout, fail the test with its stderr."""
    return run(["dpkg", *args])


def run(argv: list[str]) -> str:
    """Run a packaging tool to completion (bounded); return stdout or fail the test with stderr."""
    result = subprocess.run(argv, capture_output=True, text=True, timeout=DPKG_TIMEOUT, check=False)  # noqa: S603
    if result.returncode != 0:
        pytest.fail(f"{' '.join(argv)} exited {result.returncode}:\n{result.stderr}")
    return result.stdout


def package_path() -> Path:
    """Return ``dist/gsmgateway_<version>_<arch>.deb``; fail (not skip) when it was not built."""
    path = ROOT / "dist" / f"gsmgateway_{project_version()}_{host_architecture()}.deb"
    if not path.is_file():
        pytest.fail(f"{path} is missing: build it with `make deb` (`make test` does)")
    return path


@dataclass(frozen=True)
class Entry:
    """One line of ``dpkg-deb --contents``: the tar listing of the package's files."""

    mode: str  # "-rw-r-----", "drwxr-xr-x", "lrwxrwxrwx"
    owner: str  # "root/root"
    path: str  # relative, without the leading "./", directories end in "/"
    target: str | None  # a symlink's target


def parse_contents(listing: str) -> dict[str, Entry]:
    """Parse ``dpkg-deb -c`` output (tar -tv format) into entries by path."""
    entries: dict[str, Entry] = {}
    for line in listing.splitlines():
        mode, owner, _size, _date, _time, name = line.split(maxsplit=5)
        target = None
        if mode.startswith("l"):
            name, _, target = name.partition(" -> ")
        path = name.removeprefix("./")
        entries[path] = Entry(mode, owner, path, target)
    return entries


def contents(deb: Path) -> dict[str, Entry]:
    """Return the package's files by path, as ``dpkg-deb --contents`` lists them."""
    return parse_contents(run(["dpkg-deb", "--contents", str(deb)]))


def field(deb: Path, name: str) -> str:
    """Return one field of the package's control file (``Depends``, ``Version`` …)."""
    return run(["dpkg-deb", "--field", str(deb), name]).strip()


def unpack(deb: Path, into: Path) -> Path:
    """Extract the package's files (``dpkg-deb -x``) into ``into``; return it."""
    run(["dpkg-deb", "--extract", str(deb), str(into)])
    return into


def control_files(deb: Path, into: Path) -> Path:
    """Extract the control area (maintainer scripts, conffiles …) into ``into``; return it."""
    run(["dpkg-deb", "--control", str(deb), str(into)])
    return into
