"""The fault plan's JSON form: strict reading, and an exact round trip with what is written back."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.faults import (
    CommandMatch,
    ErrorFamily,
    FaultPlan,
    NetworkOutage,
    SendError,
    Silence,
    SilenceStage,
)
from simulator.faults.plan_json import (
    FaultPlanError,
    fault_plan_from_json,
    fault_plan_to_json,
    parse_fault_plan,
    strict_json,
)
from simulator.profiles import Memory

_commands = st.sampled_from([None, "", "+CMGS", "+CSQ", "Z", "&F", "^SYSCFG"])
_nth = st.none() | st.integers(1, 1000)
_match = st.fixed_dictionaries({"command": _commands, "nth": _nth})
_plans = st.fixed_dictionaries(
    {},
    optional={
        "command_latency": st.floats(0, 3600),
        "silences": st.lists(_match.map(lambda m: {**m, "forever": m["command"] == "Z"}), max_size=2),
        "junk": st.lists(
            st.builds(lambda m, d, p: {**m, "data_hex": d.hex(), "placement": p}, _match,
                      st.binary(min_size=1, max_size=8), st.sampled_from(["before", "inside"])),
            max_size=2,
        ),
        "send_errors": st.lists(
            st.fixed_dictionaries(
                {"code": st.integers(0, 999)},
                optional={"family": st.sampled_from(["cms", "cme"]), "nth_send": _nth,
                          "recipient": st.none() | st.from_regex(r"\+?[0-9]{1,20}", fullmatch=True)},
            ),
            max_size=3,
        ),
        "storage_full": st.lists(st.sampled_from(["SM", "ME", "SR"]), unique=True),
        "network_outage": st.none() | st.fixed_dictionaries(
            {"start_command": st.integers(0, 10), "state": st.sampled_from([0, 2, 3, 4])}
        ),
        "signal_rssi": st.none() | st.integers(0, 31) | st.just(99),
        "split_writes": st.lists(st.integers(1, 64), max_size=4),
        "unplug_after_commands": st.none() | st.integers(1, 99),
    },
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(_plans)
def test_what_is_written_back_reads_as_the_same_plan(body: dict[str, Any]) -> None:
    plan = fault_plan_from_json(body)
    written = fault_plan_to_json(plan)
    assert fault_plan_from_json(written) == plan
    assert fault_plan_to_json(fault_plan_from_json(written)) == written


def test_an_empty_object_is_the_well_behaved_modem() -> None:
    assert fault_plan_from_json({}) == FaultPlan()
    assert parse_fault_plan("{}") == FaultPlan()


def test_the_json_names_map_onto_the_typed_plan() -> None:
    plan = parse_fault_plan(
        '{"send_errors": [{"code": 10, "family": "cme", "recipient": "+255700000001"}],'
        ' "silences": [{"command": "+CMGS", "nth": 2, "stage": "after_pdu"}],'
        ' "network_outage": {"end_command": 4, "state": 3}, "storage_full": ["SR"]}'
    )
    assert plan.send_errors == (SendError(10, ErrorFamily.CME, None, "+255700000001"),)
    assert plan.silences == (Silence(CommandMatch("+CMGS", 2), stage=SilenceStage.AFTER_PDU),)
    assert plan.network_outage == NetworkOutage(0, 4, 3)
    assert plan.storage_full == frozenset({Memory.SR})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"sim_removed": true, "sim_removed": false}', "given more than once"),
        ('{"send_errors": [{"code": 21, "code": 1}]}', "['code'] given more than once"),
        ('{"command_latency": NaN}', "NaN is not a JSON number"),
        ('{"network_delay": Infinity}', "Infinity is not a JSON number"),
        ("{", "not JSON"),
    ],
)
def test_text_that_is_not_strict_json_is_refused(text: str, message: str) -> None:
    with pytest.raises(FaultPlanError, match="not JSON") as refused:
        parse_fault_plan(text)
    assert message in str(refused.value)
    with pytest.raises(ValueError, match=r"JSON|more than once|Expecting"):
        strict_json(text)


def test_every_problem_is_listed_and_carried() -> None:
    with pytest.raises(FaultPlanError) as refused:
        fault_plan_from_json({"sim_removed": "no", "split_writes": [0, 1, -2], "junk": "ff"})
    assert refused.value.problems == (
        "junk: must be a JSON array",
        "sim_removed: must be true or false",
        "split_writes[0]: must be a byte count from 1 to 65536",
        "split_writes[2]: must be a byte count from 1 to 65536",
    )
