"""``gsmgateway-sim``: run a simulated modem on a pseudo-terminal or TCP port."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator until SIGTERM; return the exit code."""
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
