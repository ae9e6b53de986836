"""Profiles from TOML files, so a branch can describe its own modem without writing Python.

A file names a built-in profile to start from (``base``, default ``generic``) and overrides
fields; ``[quirks]`` overrides quirk flags::

    base = "huawei-e173"
    name = "branch-stick"
    sim_pin = "1234"
    capacities = { SM = 20, ME = 0, SR = 10 }
    default_cnmi = [2, 1, 0, 2, 0]
    memory_slots = [["SM", "SR"], ["SM"], ["SM"]]
    report_storage = "SR"              # or "receive" (with received SMS in <mem3>), "none"

    [[preload]]                        # messages on the SIM at power-on
    memory = "SM"
    kind = "sms"
    sender = "+255700000001"
    text = "sent while the gateway was down"
    read = false
    count = 3

    [quirks]
    cdsi_announced_memory = "SM"
    busy_after_boot = { commands = 2, cms = true }

Every problem in the file is reported at once, in one ``ValueError``.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from simulator.profiles.builtin import builtin_profile
from simulator.profiles.memory import Memory, ReportStorage
from simulator.profiles.model import BusyWindow, Profile
from simulator.profiles.preload import PreloadError, preload_from_json


def _memory(value: Any) -> Memory:
    return Memory(str(value).upper())


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value in ("", None) else convert(value)


def _capacities(value: Any) -> Mapping[Memory, int]:
    if not isinstance(value, dict):
        raise TypeError("a table such as { SM = 30, ME = 100, SR = 30 }")
    return MappingProxyType({_memory(key): _int(count) for key, count in value.items()})


def _busy(value: Any) -> BusyWindow:
    shape = "a table such as { commands = 1, cms = true, code = 515 }"
    if not isinstance(value, dict) or not {"commands", "cms"} <= value.keys() <= {"commands", "cms", "code"}:
        raise TypeError(shape)
    return BusyWindow(_int(value["commands"]), _flag(value["cms"]), _int(value.get("code", 515)))


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("an integer")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("a number")
    return float(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("a string")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("true or false")
    return value


def _sequence(convert: Callable[[Any], Any], length: int | None = None) -> Callable[[Any], tuple[Any, ...]]:
    def converter(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list) or (length is not None and len(value) != length):
            raise TypeError(f"a list of {length or 'any number of'} values")
        return tuple(convert(item) for item in value)

    return converter


_PROFILE_FIELDS: Final[dict[str, Callable[[Any], Any]]] = {
    **{name: _text for name in ("name", "manufacturer", "model", "revision", "imei", "imsi", "iccid")},
    **{name: _text for name in ("sim_puk", "operator_long", "operator_short", "operator_numeric")},
    **{name: _text for name in ("smsc", "lac", "cell_id")},
    **{name: _int for name in ("access_technology", "signal_rssi", "registration")},
    "sim_pin": _optional(_text),
    "capacities": _capacities,
    "default_cnmi": _sequence(_int, 5),
    "default_memory": _memory,
    "memory_slots": _sequence(_sequence(_memory)),
    "report_storage": lambda value: ReportStorage(_text(value)),
    "first_index": _int,
    "default_report_delay": _number,
}
_QUIRK_FIELDS: Final[dict[str, Callable[[Any], Any]]] = {
    "unknown_command_text": _text,
    "clac_line_end": _text,
    "cdsi_announced_memory": _optional(_memory),
    "supported_ds": _sequence(_int),
    "cpin_ready_without_ok": _flag,
    "cgmi_leading_space": _flag,
    "csmp_wipes_smsc": _flag,
    "csca_busy_after_boot": _int,
    "urcs_around_send": _sequence(_text),
    "busy_after_boot": _optional(_busy),
    "busy_after_cfun": _optional(_busy),
    "boot_urcs": _sequence(_text),
    "periodic_rssi_seconds": _optional(_number),
    "rssi_urc": _text,
    "memory_full_urc": _optional(_text),
    "cfun_read_as_test": _flag,
    "vendor_commands": lambda value: frozenset(_sequence(_text)(value)),
}


def _convert(
    table: Mapping[str, Any], converters: Mapping[str, Callable[[Any], Any]], where: str, problems: list[str]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, raw in table.items():
        convert = converters.get(key)
        if convert is None:
            problems.append(f"{where}{key}: unknown field")
            continue
        try:
            values[key] = convert(raw)
        except (TypeError, ValueError) as exc:
            problems.append(f"{where}{key}: expected {exc}")
    return values


def load_profile(path: str | Path) -> Profile:
    """Read a profile from a TOML file.

    :raises ValueError: listing every problem (unreadable file, unknown base or field, wrong type).
    """
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read profile {path}: {exc}") from exc
    problems: list[str] = []
    base_name = document.pop("base", "generic")
    try:
        base = builtin_profile(str(base_name))
    except KeyError as exc:
        problems.append(f"base: {exc.args[0]}")
        base = builtin_profile("generic")
    quirks_table = document.pop("quirks", {})
    if not isinstance(quirks_table, dict):
        problems.append("quirks: expected a table")
        quirks_table = {}
    preload = document.pop("preload", None)
    fields = _convert(document, _PROFILE_FIELDS, "", problems)
    if preload is not None:  # [[preload]] tables: read as the JSON form is, problems listed alike
        try:
            fields["preload"] = preload_from_json(preload, "preload")
        except PreloadError as exc:
            problems += exc.problems
    quirks = _convert(quirks_table, _QUIRK_FIELDS, "quirks.", problems)
    if problems:
        raise ValueError(f"profile {path}: " + "; ".join(problems))
    fields.setdefault("name", Path(path).stem)
    try:
        return dataclasses.replace(base, **fields, quirks=dataclasses.replace(base.quirks, **quirks))
    except ValueError as exc:  # a combination no firmware has (Profile checks it)
        raise ValueError(f"profile {path}: {exc}") from None
