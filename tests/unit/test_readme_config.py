"""Every TOML example in the README is accepted by the configuration loader as it is printed.

An operator copies these blocks into ``/etc/gsmgateway/gsmgateway.toml``; a key renamed in the code
but not in the README would make the daemon refuse to start with "unknown key". The blocks are
found by their fences (indented ones inside list items too), not listed here by hand.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from gsmgateway.core.config import load

README = Path(__file__).resolve().parents[2] / "README.md"
FENCED_TOML = re.compile(r"^( *)```toml\n(.*?)^\1```", re.MULTILINE | re.DOTALL)


def toml_examples() -> list[str]:
    return [
        textwrap.dedent(match.group(2)) for match in FENCED_TOML.finditer(README.read_text(encoding="utf-8"))
    ]


def test_the_readme_has_toml_examples() -> None:
    assert len(toml_examples()) >= 4  # modems, webhooks, TLS, the Fineract contract


@pytest.mark.parametrize("example", toml_examples(), ids=lambda text: text.split("\n", 1)[0])
def test_a_readme_example_is_accepted_by_the_loader(tmp_path: Path, example: str) -> None:
    path = tmp_path / "gsmgateway.toml"
    path.write_text(example, encoding="utf-8")
    load(path, env={})  # raises ConfigError naming every key or value it refuses
