"""The service's start condition: run only once the configuration names a modem.

The package enables the unit at install time, but its fresh ``gsmgateway.toml`` names no modem:
started then, the daemon would accept messages and send none. ``ExecCondition=`` runs
``gsmgateway has-modems`` first; its exit code 1 makes systemd *skip* the start (the unit stays
inactive, not failed, and the reason is in the journal). Once a ``[[modems]]`` table is added,
``systemctl start gsmgateway`` (or the next boot) starts it.

A configuration that cannot be loaded counts as naming a modem: the condition is not the place
to report its problems. ``check-config`` in ``ExecStartPre=`` then fails the start and lists
them all, where an operator looks (``systemctl status``).
"""

from __future__ import annotations

from pathlib import Path

from gsmgateway.core.config import load
from gsmgateway.core.errors import ConfigError


def names_a_modem(path: Path | None) -> bool:
    """Whether the configuration at ``path`` (with the environment) names at least one modem."""
    try:
        config = load(path)
    except ConfigError:
        return True
    return bool(config.modems)
