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

import re
from collections.abc import Callable, Mapping
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
from simulator.jsonread import ProblemsError, Reader, at, is_int, strict_json
from simulator.profiles.memory import Memory

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

T = TypeVar("T")


class FaultPlanError(ProblemsError):
    """A fault plan in JSON that cannot be used as sent; ``problems`` lists every one of them."""

    what = "fault plan"


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


def _match(read: Reader, body: Mapping[str, Any], where: str) -> CommandMatch:
    return CommandMatch(
        command=read.text(body, "command", where, _check_command),
        nth=read.whole(body, "nth", where, None, low=1, high=1_000_000),
    )


def _silence(read: Reader, item: object, where: str) -> Silence:
    body = read.object(item, where, ("command", "nth", "forever", "stage"))
    silence = Silence(
        match=_match(read, body, where),
        forever=read.flag(body, "forever", where),
        stage=read.choice(body, "stage", where, SilenceStage.COMMAND),
    )
    if silence.stage is SilenceStage.AFTER_PDU:
        if silence.match.command is not None and silence.match.command.upper() != "+CMGS":
            read.problem(at(where, "stage"), "'after_pdu' applies only to '+CMGS'")
        if silence.forever:
            read.problem(at(where, "forever"), "'forever' applies only to stage 'command'")
    return silence


def _junk(read: Reader, item: object, where: str) -> Junk:
    body = read.object(item, where, ("data_hex", "placement", "command", "nth"))
    data = read.text(body, "data_hex", where, _check_hex)
    return Junk(
        data=bytes.fromhex(data) if data else _DEFAULT_JUNK.data,
        placement=read.choice(body, "placement", where, JunkPlacement.BEFORE_RESPONSE),
        match=_match(read, body, where),
    )


def _urc(read: Reader, item: object, where: str) -> UrcInResponse:
    body = read.object(item, where, ("urc", "command", "nth"))
    urc = read.text(body, "urc", where, _check_urc)
    return UrcInResponse(urc=urc or _DEFAULT_URC.urc, match=_match(read, body, where))


def _send_error(read: Reader, item: object, where: str) -> SendError:
    body = read.object(item, where, ("code", "family", "nth_send", "recipient"))
    if isinstance(item, dict) and "code" not in body:
        read.problem(at(where, "code"), "is required (the CMS/CME error number)")
    return SendError(
        code=read.whole(body, "code", where, 500, low=0, high=MAX_ERROR_CODE) or 0,
        family=read.choice(body, "family", where, ErrorFamily.CMS),
        nth_send=read.whole(body, "nth_send", where, None, low=1, high=1_000_000),
        recipient=read.text(body, "recipient", where, _check_number),
    )


def _outage(read: Reader, value: object) -> NetworkOutage | None:
    if value is None:
        return None
    where = "network_outage"
    body = read.object(value, where, ("start_command", "end_command", "state"))
    start = read.whole(body, "start_command", where, 0, low=0, high=1_000_000) or 0
    end = read.whole(body, "end_command", where, None, low=1, high=1_000_000)
    if end is not None and end <= start:
        read.problem(at(where, "end_command"), "must be after start_command")
    state = read.whole(body, "state", where, 2, low=0, high=4)
    if state not in OUTAGE_STATES:
        read.problem(at(where, "state"), f"must be one of {list(OUTAGE_STATES)} (a state without service)")
        state = 2
    return NetworkOutage(start_command=start, end_command=end, state=state or 0)


def _memories(read: Reader, body: Mapping[str, Any]) -> frozenset[Memory]:
    found: list[Memory] = []
    for where, item in read.array(body, "storage_full", ""):
        if item not in [m.value for m in Memory] or not isinstance(item, str):
            read.problem(where, f"must be one of {[m.value for m in Memory]}")
        elif Memory(item) in found:
            read.problem(where, f"{item!r} is listed twice")
        else:
            found.append(Memory(item))
    return frozenset(found)


def _sizes(read: Reader, body: Mapping[str, Any]) -> tuple[int, ...]:
    sizes: list[int] = []
    for where, item in read.array(body, "split_writes", ""):
        if not is_int(item) or not 1 <= item <= 65_536:
            read.problem(where, "must be a byte count from 1 to 65536")
        else:
            sizes.append(item)
    return tuple(sizes)


def _rssi(read: Reader, body: Mapping[str, Any]) -> int | None:
    rssi = read.whole(body, "signal_rssi", "", None, low=0, high=99)
    if rssi is not None and not (rssi <= 31 or rssi == 99):
        read.problem("signal_rssi", "must be 0-31, 99 (unknown) or null")
        return None
    return rssi


def _each(
    read: Reader, body: Mapping[str, Any], name: str, item: Callable[[Reader, object, str], T]
) -> tuple[T, ...]:
    return tuple(item(read, value, where) for where, value in read.array(body, name, ""))


def fault_plan_from_json(value: object) -> FaultPlan:
    """Build the :class:`FaultPlan` a decoded JSON value describes.

    :raises FaultPlanError: listing every unknown field, wrong type and out-of-range value.
    """
    read = Reader()
    body = read.object(value, "", _TOP_FIELDS)
    plan = FaultPlan(
        command_latency=read.seconds(body, "command_latency", "", MAX_SECONDS),
        network_delay=read.seconds(body, "network_delay", "", MAX_SECONDS),
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
