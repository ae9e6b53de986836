"""The fault plan as JSON: one shape for the control surface (``POST /faults``) and the CLI (``--faults``).

A system test that runs the simulator as a process has no Python objects to hand over, so the whole
typed :class:`~simulator.faults.FaultPlan` has a JSON form (docs/interfaces.md §2)::

    {"send_errors": [{"code": 332, "nth_send": 1}, {"code": 21, "recipient": "+255700000001"}],
     "silences": [{"command": "+CMGS", "nth": 1, "stage": "after_pdu"}],
     "network_outage": {"start_command": 3, "end_command": 9, "state": 2},
     "storage_full": ["SM"], "command_latency": 0.5, "split_writes": [1, 3]}

Every field is optional and defaults to a well-behaved modem. Reading is strict, because a fault a
test believes it set but that was silently dropped makes the test meaningless: an unknown field, a
wrong type (``true`` is not a number, ``1.0`` is not a count) or a value out of range is a problem,
and *every* problem is reported at once (:class:`FaultPlanError`) so one round trip fixes them all.
:func:`fault_plan_to_json` writes the same shape back, so what the control surface echoes can be
sent again.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Final, TypeVar

from simulator.faults.plan import (
    CommandMatch,
    ErrorFamily,
    FaultPlan,
    Junk,
    JunkPlacement,
    NetworkOutage,
    SendError,
    Silence,
    SilenceStage,
    UrcInResponse,
)
from simulator.profiles.model import Memory

#: Longest latency or network delay a plan may ask for, in seconds (an hour is already a hang).
MAX_SECONDS: Final = 3600.0
#: Largest CMS/CME code accepted (27.005 and 27.007 codes stay below 1000).
MAX_ERROR_CODE: Final = 999
#: Registration states an outage may report (``+CREG`` stat values that mean "no service").
OUTAGE_STATES: Final = (0, 2, 3, 4)

_COMMAND_NAME: Final = re.compile(r"[+&^$%*#]?[A-Za-z0-9]{0,16}")
_NUMBER: Final = re.compile(r"\+?[0-9]{1,20}")
_DEFAULT_JUNK: Final = Junk()
_DEFAULT_URC: Final = UrcInResponse()

_TOP_FIELDS: Final = (
    "command_latency",
    "network_delay",
    "silences",
    "junk",
    "urcs_in_response",
    "send_errors",
    "storage_full",
    "network_outage",
    "sim_removed",
    "signal_rssi",
    "split_writes",
    "baud_rate",
    "unplug_after_commands",
)

E = TypeVar("E", bound=Enum)
T = TypeVar("T")


class FaultPlanError(ValueError):
    """A fault plan in JSON that cannot be used as sent; ``problems`` lists every one of them."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("bad fault plan: " + "; ".join(problems))


class _Reader:
    """Reads fields off JSON objects, collecting a problem (with its path) instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
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
            self.problem(_at(where, name), "must be a JSON array")
            return []
        return [(f"{_at(where, name)}[{index}]", item) for index, item in enumerate(value)]

    def seconds(self, body: Mapping[str, Any], name: str, where: str) -> float:
        value = body.get(name, 0.0)
        if not _is_number(value) or not 0 <= value <= MAX_SECONDS:
            self.problem(_at(where, name), f"must be a number of seconds from 0 to {MAX_SECONDS:g}")
            return 0.0
        return float(value)

    def whole(
        self, body: Mapping[str, Any], name: str, where: str, default: int | None, *, low: int, high: int
    ) -> int | None:
        """Return an integer from ``low`` to ``high`` (``null`` allowed only when the default is None)."""
        value = body.get(name, default)
        if value is None and default is None:
            return None
        if not _is_int(value) or not low <= value <= high:
            nullable = " or null" if default is None else ""
            self.problem(_at(where, name), f"must be a whole number from {low} to {high}{nullable}")
            return default
        return int(value)

    def flag(self, body: Mapping[str, Any], name: str, where: str) -> bool:
        value = body.get(name, False)
        if not isinstance(value, bool):
            self.problem(_at(where, name), "must be true or false")
            return False
        return value

    def choice(self, body: Mapping[str, Any], name: str, where: str, default: E) -> E:
        kind = type(default)
        value = body.get(name, default.value)
        choices = [member.value for member in kind]
        if value not in choices or not isinstance(value, str):
            self.problem(_at(where, name), f"must be one of {choices}")
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
            self.problem(_at(where, name), complaint)
            return None
        return str(value)


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def _check_command(name: str) -> str | None:
    if _COMMAND_NAME.fullmatch(name):
        return None
    return "must be a command name as written after AT, like '+CMGS', 'Z', '&F' or '' (bare AT)"


def _check_number(number: str) -> str | None:
    return None if _NUMBER.fullmatch(number) else "must be a phone number: an optional '+' and 1-20 digits"


def _check_urc(line: str) -> str | None:
    printable = line and all(" " <= ch <= "~" for ch in line)
    return None if printable else "must be one non-empty line of printable ASCII"


def _check_hex(data: str) -> str | None:
    try:
        ok = bool(bytes.fromhex(data))
    except ValueError:
        ok = False
    return None if ok else "must be non-empty hex, like 'fffe0081'"


def _match(read: _Reader, body: Mapping[str, Any], where: str) -> CommandMatch:
    return CommandMatch(
        command=read.text(body, "command", where, _check_command),
        nth=read.whole(body, "nth", where, None, low=1, high=1_000_000),
    )


def _silence(read: _Reader, item: object, where: str) -> Silence:
    body = read.object(item, where, ("command", "nth", "forever", "stage"))
    silence = Silence(
        match=_match(read, body, where),
        forever=read.flag(body, "forever", where),
        stage=read.choice(body, "stage", where, SilenceStage.COMMAND),
    )
    if silence.stage is SilenceStage.AFTER_PDU:
        if silence.match.command is not None and silence.match.command.upper() != "+CMGS":
            read.problem(_at(where, "stage"), "'after_pdu' applies only to '+CMGS'")
        if silence.forever:
            read.problem(_at(where, "forever"), "'forever' applies only to stage 'command'")
    return silence


def _junk(read: _Reader, item: object, where: str) -> Junk:
    body = read.object(item, where, ("data_hex", "placement", "command", "nth"))
    data = read.text(body, "data_hex", where, _check_hex)
    return Junk(
        data=bytes.fromhex(data) if data else _DEFAULT_JUNK.data,
        placement=read.choice(body, "placement", where, JunkPlacement.BEFORE_RESPONSE),
        match=_match(read, body, where),
    )


def _urc(read: _Reader, item: object, where: str) -> UrcInResponse:
    body = read.object(item, where, ("urc", "command", "nth"))
    urc = read.text(body, "urc", where, _check_urc)
    return UrcInResponse(urc=urc or _DEFAULT_URC.urc, match=_match(read, body, where))


def _send_error(read: _Reader, item: object, where: str) -> SendError:
    body = read.object(item, where, ("code", "family", "nth_send", "recipient"))
    if isinstance(item, dict) and "code" not in body:
        read.problem(_at(where, "code"), "is required (the CMS/CME error number)")
    return SendError(
        code=read.whole(body, "code", where, 500, low=0, high=MAX_ERROR_CODE) or 0,
        family=read.choice(body, "family", where, ErrorFamily.CMS),
        nth_send=read.whole(body, "nth_send", where, None, low=1, high=1_000_000),
        recipient=read.text(body, "recipient", where, _check_number),
    )


def _outage(read: _Reader, value: object) -> NetworkOutage | None:
    if value is None:
        return None
    where = "network_outage"
    body = read.object(value, where, ("start_command", "end_command", "state"))
    start = read.whole(body, "start_command", where, 0, low=0, high=1_000_000) or 0
    end = read.whole(body, "end_command", where, None, low=1, high=1_000_000)
    if end is not None and end <= start:
        read.problem(_at(where, "end_command"), "must be after start_command")
    state = read.whole(body, "state", where, 2, low=0, high=4)
    if state not in OUTAGE_STATES:
        read.problem(_at(where, "state"), f"must be one of {list(OUTAGE_STATES)} (a state without service)")
        state = 2
    return NetworkOutage(start_command=start, end_command=end, state=state or 0)


def _memories(read: _Reader, body: Mapping[str, Any]) -> frozenset[Memory]:
    found: list[Memory] = []
    for where, item in read.array(body, "storage_full", ""):
        if item not in [m.value for m in Memory] or not isinstance(item, str):
            read.problem(where, f"must be one of {[m.value for m in Memory]}")
        elif Memory(item) in found:
            read.problem(where, f"{item!r} is listed twice")
        else:
            found.append(Memory(item))
    return frozenset(found)


def _sizes(read: _Reader, body: Mapping[str, Any]) -> tuple[int, ...]:
    sizes: list[int] = []
    for where, item in read.array(body, "split_writes", ""):
        if not _is_int(item) or not 1 <= item <= 65_536:
            read.problem(where, "must be a byte count from 1 to 65536")
        else:
            sizes.append(item)
    return tuple(sizes)


def _rssi(read: _Reader, body: Mapping[str, Any]) -> int | None:
    rssi = read.whole(body, "signal_rssi", "", None, low=0, high=99)
    if rssi is not None and not (rssi <= 31 or rssi == 99):
        read.problem("signal_rssi", "must be 0-31, 99 (unknown) or null")
        return None
    return rssi


def _each(
    read: _Reader, body: Mapping[str, Any], name: str, item: Callable[[_Reader, object, str], T]
) -> tuple[T, ...]:
    return tuple(item(read, value, where) for where, value in read.array(body, name, ""))


def fault_plan_from_json(value: object) -> FaultPlan:
    """Build the :class:`FaultPlan` a decoded JSON value describes.

    :raises FaultPlanError: listing every unknown field, wrong type and out-of-range value.
    """
    read = _Reader()
    body = read.object(value, "", _TOP_FIELDS)
    plan = FaultPlan(
        command_latency=read.seconds(body, "command_latency", ""),
        network_delay=read.seconds(body, "network_delay", ""),
        silences=_each(read, body, "silences", _silence),
        junk=_each(read, body, "junk", _junk),
        urcs_in_response=_each(read, body, "urcs_in_response", _urc),
        send_errors=_each(read, body, "send_errors", _send_error),
        storage_full=_memories(read, body),
        network_outage=_outage(read, body.get("network_outage")),
        sim_removed=read.flag(body, "sim_removed", ""),
        signal_rssi=_rssi(read, body),
        split_writes=_sizes(read, body),
        baud_rate=read.whole(body, "baud_rate", "", None, low=1, high=10_000_000),
        unplug_after_commands=read.whole(body, "unplug_after_commands", "", None, low=1, high=1_000_000),
    )
    if read.problems:
        raise FaultPlanError(read.problems)
    return plan


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


def parse_fault_plan(text: str) -> FaultPlan:
    """Parse JSON text (a ``--faults`` file or ``--faults-json`` argument) into a fault plan.

    :raises FaultPlanError: the text is not strict JSON, or the plan has problems (all listed).
    """
    try:
        value = strict_json(text)
    except ValueError as exc:
        raise FaultPlanError([f"not JSON: {exc}"]) from exc
    return fault_plan_from_json(value)


def _match_json(match: CommandMatch) -> dict[str, Any]:
    return {"command": match.command, "nth": match.nth}


def fault_plan_to_json(plan: FaultPlan) -> dict[str, Any]:
    """Write ``plan`` in the shape :func:`fault_plan_from_json` reads (a round trip is exact)."""
    outage = plan.network_outage
    return {
        "command_latency": plan.command_latency,
        "network_delay": plan.network_delay,
        "silences": [
            {**_match_json(s.match), "forever": s.forever, "stage": s.stage.value} for s in plan.silences
        ],
        "junk": [
            {"data_hex": j.data.hex(), "placement": j.placement.value, **_match_json(j.match)}
            for j in plan.junk
        ],
        "urcs_in_response": [{"urc": u.urc, **_match_json(u.match)} for u in plan.urcs_in_response],
        "send_errors": [
            {"code": e.code, "family": e.family.value, "nth_send": e.nth_send, "recipient": e.recipient}
            for e in plan.send_errors
        ],
        "storage_full": sorted(memory.value for memory in plan.storage_full),
        "network_outage": None
        if outage is None
        else {
            "start_command": outage.start_command,
            "end_command": outage.end_command,
            "state": outage.state,
        },
        "sim_removed": plan.sim_removed,
        "signal_rssi": plan.signal_rssi,
        "split_writes": list(plan.split_writes),
        "baud_rate": plan.baud_rate,
        "unplug_after_commands": plan.unplug_after_commands,
    }
