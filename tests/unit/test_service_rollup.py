"""The roll-up rule from part reports to one message status."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gsmgateway.core.models import MessageStatus as S
from gsmgateway.core.models import ReportOutcome as R
from gsmgateway.core.report_rollup import rollup

outcomes = st.lists(st.sampled_from([None, R.DELIVERED, R.PENDING, R.FAILED]), min_size=1, max_size=6)


def test_examples() -> None:
    assert rollup(1, [R.DELIVERED]) is S.DELIVERED
    assert rollup(2, [R.DELIVERED]) is None  # part 2 not reported (or not recorded) yet
    assert rollup(2, [R.DELIVERED, R.PENDING]) is None  # temporary keeps it sent
    assert rollup(3, [R.DELIVERED, R.FAILED, None]) is S.UNDELIVERED
    assert rollup(1, [None]) is None


@settings(max_examples=300)
@given(outcomes)
def test_rule_holds_for_any_mix(parts: list[R | None]) -> None:
    result = rollup(len(parts), parts)
    if R.FAILED in parts:
        assert result is S.UNDELIVERED
    elif all(p is R.DELIVERED for p in parts):
        assert result is S.DELIVERED
    else:
        assert result is None
