"""Fixtures over the one built package: its path, listing, control area and an unpacked copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.packaging.debfile import Entry, contents, control_files, package_path, unpack


@pytest.fixture(scope="session")
def deb() -> Path:
    """Return the package ``make deb`` built."""
    return package_path()


@pytest.fixture(scope="session")
def listing(deb: Path) -> dict[str, Entry]:
    """Return its files by path (``dpkg-deb -c``)."""
    return contents(deb)


@pytest.fixture(scope="session")
def control(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Extract its control area: control, conffiles, postinst, prerm, postrm, md5sums."""
    return control_files(deb, tmp_path_factory.mktemp("control") / "DEBIAN")


@pytest.fixture(scope="session")
def unpacked(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Unpack its files under a temporary root (``<root>/opt/gsmgateway`` …)."""
    return unpack(deb, tmp_path_factory.mktemp("root"))
