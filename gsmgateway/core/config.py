"""Loading the configuration: TOML file, then ``GSMGATEWAY_*`` environment, then CLI overrides, checked.

Precedence is CLI > environment > file > defaults. Environment names are ``GSMGATEWAY_<KEY>`` for a
top-level key and ``GSMGATEWAY_<SECTION>__<KEY>`` for a key of a section (``GSMGATEWAY_API__PORT=9000``);
CLI overrides use dotted names (``api.port=9000``). Every problem found is collected and raised as one
:class:`~gsmgateway.core.errors.ConfigError`, so an operator fixes the file once, not once per error.
:class:`GatewayConfig` is the whole; its sections (one dataclass per table) are in
:mod:`gsmgateway.core.config_sections` and :mod:`gsmgateway.core.config_inbound`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gsmgateway.core.config_inbound import (
    InboundConfig,
    WebhookConfig,
    WebhookDeliveryConfig,
    build_webhooks,
    check_two_way,
)
from gsmgateway.core.config_sections import (
    ApiConfig,
    ConsoleConfig,
    DirectoryConfig,
    DispatchConfig,
    FineractConfig,
    FineractGatewayConfig,
    JobsConfig,
    LimitsConfig,
    ModemConfig,
    QuietHours,
    RetryPolicy,
    StoreConfig,
)
from gsmgateway.core.config_values import build_section, build_tables, convert_value
from gsmgateway.core.decimals import is_ascii_decimal
from gsmgateway.core.errors import ConfigError
from gsmgateway.core.modem_settings import is_sim_pin, is_smsc_address

ENV_PREFIX = "GSMGATEWAY_"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _default_state_dir() -> str:
    return os.environ.get("STATE_DIRECTORY", "/var/lib/gsmgateway")


@dataclass(frozen=True)
class GatewayConfig:
    """Everything the daemon is told, typed and frozen; build it with :func:`load`."""

    state_dir: str = field(default_factory=_default_state_dir)
    log_level: str = "INFO"
    api: ApiConfig = field(default_factory=ApiConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    dispatch: DispatchConfig = field(default_factory=DispatchConfig)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    quiet_hours: QuietHours = field(default_factory=QuietHours)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    jobs: JobsConfig = field(default_factory=JobsConfig)
    directory: DirectoryConfig = field(default_factory=DirectoryConfig)
    fineract: FineractConfig = field(default_factory=FineractConfig)
    fineract_gateway: FineractGatewayConfig = field(default_factory=FineractGatewayConfig)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)
    inbound: InboundConfig = field(default_factory=InboundConfig)
    webhook_delivery: WebhookDeliveryConfig = field(default_factory=WebhookDeliveryConfig)
    modems: tuple[ModemConfig, ...] = ()
    webhooks: tuple[WebhookConfig, ...] = ()

    @property
    def store_url(self) -> str:
        """The SQLAlchemy URL to open: the configured one, or the SQLite file in the state dir."""
        if self.store.url:
            return self.store.url
        return f"sqlite+aiosqlite:///{Path(self.state_dir) / 'gsmgateway.db'}"


_SECTIONS: dict[str, type[Any]] = {
    f.name: typing.get_type_hints(GatewayConfig)[f.name]
    for f in dataclasses.fields(GatewayConfig)
    if dataclasses.is_dataclass(typing.get_type_hints(GatewayConfig)[f.name])
}


def load(
    path: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> GatewayConfig:
    """Build the configuration from ``path`` (optional), ``env`` and dotted ``overrides``.

    :raises ConfigError: listing every problem found (unreadable file, unknown key, bad value).
    """
    config, problems = load_checked(path, env=env, overrides=overrides)
    if problems or config is None:
        raise ConfigError(problems)
    return config


def load_checked(
    path: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[GatewayConfig | None, list[str]]:
    """Like :func:`load`, but return the problems with the configuration built from what was valid.

    ``check-config`` looks further (state directory, certificates) even when the file has problems,
    so that one pass lists them all. The configuration is None only if the file cannot be read.
    """
    problems: list[str] = []
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            return None, [f"{path}: {exc}"]
    _merge_env(data, os.environ if env is None else env)
    for dotted, value in (overrides or {}).items():
        _set_dotted(data, dotted.split("."), value)
    return _build_root(data, problems), problems


def _merge_env(data: dict[str, Any], env: Mapping[str, str]) -> None:
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        keys = [part.lower() for part in name[len(ENV_PREFIX) :].split("__")]
        _set_dotted(data, keys, value)


def _set_dotted(data: dict[str, Any], keys: list[str], value: Any) -> None:
    target = data
    for key in keys[:-1]:
        nested = target.setdefault(key, {})
        if not isinstance(nested, dict):
            nested = target[key] = {}
        target = nested
    target[keys[-1]] = value


def _build_root(data: dict[str, Any], problems: list[str]) -> GatewayConfig:
    values: dict[str, Any] = {}
    hints = typing.get_type_hints(GatewayConfig)
    for key, raw in data.items():
        if key in _SECTIONS:
            if isinstance(raw, dict):
                values[key] = build_section(_SECTIONS[key], raw, key, problems)
            else:
                problems.append(f"{key}: must be a table")
        elif key == "modems":
            values[key] = _build_modems(raw, problems)
        elif key == "webhooks":
            values[key] = build_webhooks(raw, problems)
        elif key in hints:
            values[key] = convert_value(raw, hints[key], key, problems)
        else:
            problems.append(f"{key}: unknown key")
    config = GatewayConfig(**values)
    _check(config, problems)
    return config


def _build_modems(raw: Any, problems: list[str]) -> tuple[ModemConfig, ...]:
    return tuple(build_tables(ModemConfig, raw, "modems", ("id", "port"), problems))


def _check(config: GatewayConfig, problems: list[str]) -> None:
    """Cross-field and range checks that a type alone cannot express."""
    positive = {
        "api.max_body_bytes": config.api.max_body_bytes,
        "api.max_batch": config.api.max_batch,
        "api.max_connections": config.api.max_connections,
        "api.idle_timeout_seconds": config.api.idle_timeout_seconds,
        "store.busy_timeout_ms": config.store.busy_timeout_ms,
        "store.write_batch_max": config.store.write_batch_max,
        "dispatch.max_parts": config.dispatch.max_parts,
        "dispatch.send_at_horizon_days": config.dispatch.send_at_horizon_days,
        "dispatch.validity_hours": config.dispatch.validity_hours,
        "dispatch.report_window_hours": config.dispatch.report_window_hours,
        "dispatch.report_match_hours": config.dispatch.report_match_hours,
        "dispatch.retention_days": config.dispatch.retention_days,
        "retry.max_attempts": config.retry.max_attempts,
        "console.idle_minutes": config.console.idle_minutes,
        "console.absolute_hours": config.console.absolute_hours,
        **{f"jobs.{f.name}": getattr(config.jobs, f.name) for f in dataclasses.fields(config.jobs)},
    }
    problems.extend(f"{name}: must be > 0, not {value}" for name, value in positive.items() if value <= 0)
    not_negative = {
        "retry.base_delay_seconds": config.retry.base_delay_seconds,
        "retry.max_delay_seconds": config.retry.max_delay_seconds,
        "limits.per_key_per_second": config.limits.per_key_per_second,
        "limits.per_recipient_per_hour": config.limits.per_recipient_per_hour,
        "directory.cache_ttl_seconds": config.directory.cache_ttl_seconds,
    }
    problems.extend(f"{name}: must be >= 0, not {value}" for name, value in not_negative.items() if value < 0)
    if config.log_level.upper() not in _LOG_LEVELS:
        problems.append(f"log_level: one of {', '.join(_LOG_LEVELS)}, not {config.log_level!r}")
    for section, tls in (("api", config.api), ("fineract_gateway", config.fineract_gateway)):
        if bool(tls.tls_cert) != bool(tls.tls_key):
            problems.append(f"{section}: tls_cert and tls_key go together (both PEM files, or neither)")
    if not 0 <= config.api.port <= 65535:
        problems.append(f"api.port: must be 0..65535, not {config.api.port}")
    if not 0 <= config.retry.jitter < 1:
        problems.append(f"retry.jitter: must be in [0, 1), not {config.retry.jitter}")
    if config.limits.per_key_burst < 1 or config.limits.per_recipient_burst < 1:
        problems.append("limits: bursts must be >= 1")
    if config.directory.default_country_code and not is_ascii_decimal(config.directory.default_country_code):
        problems.append("directory.default_country_code: digits only, without '+'")
    gateway = config.fineract_gateway
    if not 0 <= gateway.port <= 65535:
        problems.append(f"fineract_gateway.port: must be 0..65535, not {gateway.port}")
    if (
        gateway.enabled
        and gateway.port
        and (gateway.host, gateway.port) == (config.api.host, config.api.port)
    ):
        problems.append("fineract_gateway.port: the same address as the API; give it a port of its own")
    if gateway.enabled and not gateway.tenant:
        problems.append("fineract_gateway.tenant: required when fineract_gateway.enabled is true")
    if config.fineract.enabled and not config.fineract.base_url:
        problems.append("fineract.base_url: required when fineract.enabled is true")
    try:
        ZoneInfo(config.quiet_hours.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"quiet_hours.timezone: unknown time zone {config.quiet_hours.timezone!r}")
    _check_modems(config.modems, problems)
    check_two_way(config.inbound, config.webhook_delivery, config.webhooks, problems)


def _check_modems(modems: tuple[ModemConfig, ...], problems: list[str]) -> None:
    seen: set[str] = set()
    ports: dict[str, str] = {}
    for modem in modems:
        if modem.port and modem.port in ports:
            problems.append(
                f"modems[{modem.id}].port: {modem.port} is also the port of modem {ports[modem.port]!r}; "
                "one port, one modem"
            )
        ports.setdefault(modem.port, modem.id)
        if not modem.id:
            problems.append("modems: a modem needs a non-empty id")
        if modem.id in seen:
            problems.append(f"modems: id {modem.id!r} used twice")
        seen.add(modem.id)
        if modem.baudrate <= 0:
            problems.append(f"modems[{modem.id}].baudrate: must be > 0")
        if modem.messages_per_minute <= 0:
            problems.append(f"modems[{modem.id}].messages_per_minute: must be > 0")
        if modem.pin is not None and not is_sim_pin(modem.pin):
            problems.append(f"modems[{modem.id}].pin: a SIM PIN is 4 to 8 digits")
        if modem.smsc is not None and not is_smsc_address(modem.smsc):
            problems.append(f"modems[{modem.id}].smsc: must be + and 6 to 15 digits")
