"""Turning TOML values and environment strings into the typed fields of the config dataclasses.

:func:`build_section` fills one frozen dataclass from a table, :func:`convert_value` one field; a value
that cannot be converted is recorded in ``problems`` (and left out), so :func:`gsmgateway.core.config.load`
can report every problem of a file at once.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import time
from typing import Any, Literal


def build_section(cls: type[Any], raw: dict[str, Any], where: str, problems: list[str]) -> Any:
    """Return ``cls`` built from ``raw``, or None when a required value is missing or unusable."""
    hints = typing.get_type_hints(cls)
    values = {}
    for key, value in raw.items():
        if key not in hints:
            problems.append(f"{where}.{key}: unknown key")
            continue
        values[key] = convert_value(value, hints[key], f"{where}.{key}", problems)
    known = {k: v for k, v in values.items() if v is not _INVALID}
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING]  # fmt: skip
    if any(name not in known for name in required):
        return None  # a required value was unusable; its problem is already recorded
    return cls(**known)


_INVALID: Any = object()


def build_tables(
    cls: type[Any], raw: Any, name: str, required: tuple[str, ...], problems: list[str]
) -> list[Any]:
    """Build an array of tables (``[[name]]``), each a ``cls``; record every problem, keep the good ones."""
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        problems.append(f"{name}: must be a list of tables ([[{name}]])")
        return []
    built = []
    for index, item in enumerate(raw):
        where = f"{name}[{index}]"
        missing = [key for key in required if key not in item]
        problems.extend(f"{where}.{key}: required" for key in missing)
        table = None if missing else build_section(cls, item, where, problems)
        if table is not None:
            built.append(table)
    return built


def convert_value(value: Any, hint: Any, where: str, problems: list[str]) -> Any:
    """Turn a TOML value or an environment string into ``hint``; record a problem if impossible."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        if value in (None, ""):
            return None
        inner = next(arg for arg in typing.get_args(hint) if arg is not type(None))
        return convert_value(value, inner, where, problems)
    if origin is tuple:  # tuple[str, ...]: a TOML list, or a comma-separated environment string
        items = (
            [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value
        )
        if not isinstance(items, list):
            problems.append(f"{where}: must be a list, not {value!r}")
            return _INVALID
        converted = tuple(convert_value(item, typing.get_args(hint)[0], f"{where}[{i}]", problems)
                          for i, item in enumerate(items))  # fmt: skip
        return _INVALID if _INVALID in converted else converted
    if origin is Literal:
        choices = typing.get_args(hint)
        if value in choices:
            return value
        problems.append(f"{where}: must be one of {', '.join(map(str, choices))}, not {value!r}")
        return _INVALID
    try:
        return _SCALARS[hint](value)
    except (KeyError, TypeError, ValueError) as exc:
        problems.append(f"{where}: {exc}")
        return _INVALID


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        return value.lower() in {"1", "true", "yes", "on"}
    raise ValueError(f"must be true or false, not {value!r}")


def _to_int(value: Any) -> int:
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"must be a whole number, not {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a whole number, not {value!r}") from None


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a number, not {value!r}") from None


def _to_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {value!r}")
    return value


def _to_time(value: Any) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(_to_str(value))
    except ValueError:
        raise ValueError(f"must be a time of day such as 21:00, not {value!r}") from None


_SCALARS: dict[Any, Any] = {bool: _to_bool, int: _to_int, float: _to_float, str: _to_str, time: _to_time}
