"""Strict reading of JSON (and TOML) values: every problem found at once, each with its path.

A fault plan, a storage preload or an injected SMS that a test believes it set, but that was
silently dropped or bent, makes the test meaningless. So an unknown field, a wrong type (``true``
is not a number, ``1.0`` is not a count) or a value out of range is a problem, and all problems are
reported together so one round trip fixes them all.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any, ClassVar, TypeVar

E = TypeVar("E", bound=Enum)


class ProblemsError(ValueError):
    """A value that cannot be used as sent; ``problems`` lists every thing wrong with it."""

    what: ClassVar[str] = "value"

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"bad {self.what}: " + "; ".join(problems))


class Reader:
    """Reads fields off JSON objects, collecting a problem (with its path) instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        """Record one problem at ``where``."""
        self.problems.append(f"{where}: {message}" if where else message)

    def object(self, value: object, where: str, known: tuple[str, ...]) -> dict[str, Any]:
        """``value`` as an object with only ``known`` fields (an empty one after a problem)."""
        if not isinstance(value, dict):
            self.problem(where, "must be a JSON object")
            return {}
        unknown = sorted(set(value) - set(known))
        if unknown:
            self.problem(where, f"unknown field(s) {unknown}; known: {sorted(known)}")
        return value

    def array(self, body: Mapping[str, Any], name: str, where: str) -> list[tuple[str, Any]]:
        """Return the items of the list ``body[name]``, each with its path (none when absent or bad)."""
        value = body.get(name, [])
        if not isinstance(value, list):
            self.problem(at(where, name), "must be a JSON array")
            return []
        return [(f"{at(where, name)}[{index}]", item) for index, item in enumerate(value)]

    def seconds(self, body: Mapping[str, Any], name: str, where: str, limit: float = 3600.0) -> float:
        """Return a number of seconds from 0 to ``limit`` (0 when absent)."""
        value = body.get(name, 0.0)
        if not is_number(value) or not 0 <= value <= limit:
            self.problem(at(where, name), f"must be a number of seconds from 0 to {limit:g}")
            return 0.0
        return float(value)

    def whole(
        self, body: Mapping[str, Any], name: str, where: str, default: int | None, *, low: int, high: int
    ) -> int | None:
        """Return an integer from ``low`` to ``high`` (``null`` allowed only when the default is None)."""
        value = body.get(name, default)
        if value is None and default is None:
            return None
        if not is_int(value) or not low <= value <= high:
            nullable = " or null" if default is None else ""
            self.problem(at(where, name), f"must be a whole number from {low} to {high}{nullable}")
            return default
        return int(value)

    def flag(self, body: Mapping[str, Any], name: str, where: str, default: bool = False) -> bool:
        """Return true or false (``default`` when absent)."""
        value = body.get(name, default)
        if not isinstance(value, bool):
            self.problem(at(where, name), "must be true or false")
            return default
        return value

    def choice(self, body: Mapping[str, Any], name: str, where: str, default: E) -> E:
        """Return one of the enum's values (``default`` when absent)."""
        kind = type(default)
        value = body.get(name, default.value)
        choices = [member.value for member in kind]
        if value not in choices or not isinstance(value, str):
            self.problem(at(where, name), f"must be one of {choices}")
            return default
        return kind(value)

    def text(
        self, body: Mapping[str, Any], name: str, where: str, check: Callable[[str], str | None]
    ) -> str | None:
        """Return a string ``check`` finds no fault with (it returns the complaint), or null/absent."""
        value = body.get(name)
        if value is None:
            return None
        complaint = "must be a string" if not isinstance(value, str) else check(value)
        if complaint:
            self.problem(at(where, name), complaint)
            return None
        return str(value)

    def moment(self, body: Mapping[str, Any], name: str, where: str) -> datetime | None:
        """Return a time with a UTC offset: ISO 8601 text (JSON) or a TOML offset date-time."""
        value = body.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                value = None
        if not isinstance(value, datetime) or value.utcoffset() is None:
            example = "2026-01-31T09:30:00+03:00"
            self.problem(at(where, name), f"must be a date and time with a UTC offset, e.g. {example}")
            return None
        return value


def at(where: str, name: str) -> str:
    """Return the path of field ``name`` inside ``where``."""
    return f"{where}.{name}" if where else name


def is_int(value: object) -> bool:
    """Return True for an int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    """Return True for a finite int or float that is not a bool."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def strict_json(text: str | bytes) -> Any:
    """Decode JSON as RFC 8259 has it: ``NaN``/``Infinity`` and a key given twice are refused.

    Python's decoder takes both silently (the last duplicate wins), so ``{"code": 21, "code": 1}``
    would set a fault nobody meant to set.

    :raises ValueError: the text is not strict JSON (``UnicodeDecodeError`` is one).
    """
    return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicates)


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    body = dict(pairs)
    if len(body) != len(pairs):
        twice = sorted({key for key, _ in pairs if [k for k, _ in pairs].count(key) > 1})
        raise ValueError(f"key(s) {twice} given more than once")
    return body
