"""Lintian, Debian's package checker, finds nothing we have not explained.

Every tag the package still raises is overridden in debian/gsmgateway.lintian-overrides with the
reason beside it; lintian reads that file from the package. Checked at every level, pedantic and
informational included: a new tag (or an override that no longer matches) fails the test.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

LINTIAN_TIMEOUT = 600.0  # lintian unpacks and reads all ~2,000 files; slow on a loaded machine


@pytest.mark.timeout(LINTIAN_TIMEOUT)
def test_lintian_reports_nothing_unexplained(deb: Path) -> None:
    lintian = shutil.which("lintian")
    if lintian is None:
        pytest.skip("lintian is not installed (make deb-tools installs it on Debian)")
    result = subprocess.run(  # noqa: S603
        [lintian, "--pedantic", "--display-info", "--fail-on", "error,warning,info,pedantic", str(deb)],
        capture_output=True, text=True, timeout=LINTIAN_TIMEOUT, check=False,
    )  # fmt: skip
    tags = [line for line in result.stdout.splitlines() if line[:2] in ("E:", "W:", "I:", "P:", "X:")]
    assert tags == [], "\n".join(tags)
    assert result.returncode == 0, result.stderr
