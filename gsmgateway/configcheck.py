"""``gsmgateway check-config``: every problem of a configuration at once, before the daemon starts.

Beyond what :func:`gsmgateway.core.config.load` refuses (unknown keys, bad values, duplicate modem ids),
it looks at what the daemon would trip over at start: no modem configured, a state directory it
cannot write, a store URL with a driver the gateway does not ship. A modem device path that does not
exist now is a warning, not an error: a ``/dev/serial/by-id/…`` link exists only while plugged in.
"""

from __future__ import annotations

import os
from pathlib import Path

from gsmgateway.api.server import tls_context
from gsmgateway.core.config import GatewayConfig, load_checked
from gsmgateway.store.db import redact_url

_STORE_DRIVERS = ("sqlite+aiosqlite://", "postgresql+asyncpg://")


def check_config(path: Path | None, env: dict[str, str] | None = None) -> tuple[list[str], str]:
    """Return (problems, summary). No problems means the daemon can start with this file.

    The summary says what the daemon would do (API address, store, modems) and lists warnings.
    """
    config, problems = load_checked(path, env=env)
    if config is None:
        return problems, ""
    warnings: list[str] = []
    _check_store(config, problems)
    _check_tls(config, problems)
    _check_modems(config, problems, warnings)
    summary = "\n".join(
        [
            f"configuration OK ({path or 'defaults'})",
            f"  API: http://{config.api.host}:{config.api.port}",
            f"  store: {redact_url(config.store_url)}",
            f"  dispatch: {config.dispatch.mode}, at_least_once={config.dispatch.at_least_once}",
            *(
                [f"  Fineract contract: http://{config.fineract_gateway.host}:{config.fineract_gateway.port}"]
                if config.fineract_gateway.enabled
                else []
            ),
            *(f"  modem {m.id}: {m.port} ({m.messages_per_minute}/min)" for m in config.modems),
            *(f"  warning: {w}" for w in warnings),
        ]
    )
    return problems, summary


def _check_store(config: GatewayConfig, problems: list[str]) -> None:
    if config.store.url:
        if not config.store.url.startswith(_STORE_DRIVERS):
            problems.append(
                f"store.url: use one of {', '.join(d.rstrip('/') for d in _STORE_DRIVERS)}, "
                f"not {redact_url(config.store.url)!r}"
            )
        return
    state = Path(config.state_dir)
    existing = next((p for p in (state, *state.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        problems.append(f"state_dir: {state} cannot be created")
    elif not os.access(existing, os.W_OK | os.X_OK):
        problems.append(f"state_dir: {existing} is not writable (the SQLite database lives there)")


def _check_tls(config: GatewayConfig, problems: list[str]) -> None:
    """Load each configured certificate and key now: one that does not load would stop the start."""
    for section, tls in (("api", config.api), ("fineract_gateway", config.fineract_gateway)):
        if tls.tls_cert and tls.tls_key:
            try:
                tls_context(tls.tls_cert, tls.tls_key)
            except OSError as exc:  # missing, unreadable, or not a certificate and its key (ssl.SSLError)
                problems.append(f"{section}.tls_cert/tls_key: cannot be loaded: {exc}")


def _check_modems(config: GatewayConfig, problems: list[str], warnings: list[str]) -> None:
    if not config.modems:
        problems.append("modems: none configured; add a [[modems]] table (messages would never leave)")
    for modem in config.modems:
        if not modem.port.strip():
            problems.append(f"modems[{modem.id}].port: empty")
        elif "://" not in modem.port and not Path(modem.port).exists():
            warnings.append(f"modems[{modem.id}].port: {modem.port} does not exist now (unplugged?)")
