from gsmgateway.core.models import FINAL_STATUSES, TRANSITIONS, MessageStatus, can_transition


def test_every_status_has_a_transition_entry() -> None:
    assert set(TRANSITIONS) == set(MessageStatus)


def test_final_statuses_only_move_on_late_reports() -> None:
    # The design's lifecycle: these four end a message for good; expired (no report within the
    # window) still takes a late report, because the truth wins over the timeout.
    delivered, undelivered = MessageStatus.DELIVERED, MessageStatus.UNDELIVERED
    ended = {delivered, undelivered, MessageStatus.FAILED, MessageStatus.CANCELLED}
    assert FINAL_STATUSES == ended | {MessageStatus.EXPIRED}
    assert {status: TRANSITIONS[status] for status in ended} == dict.fromkeys(ended, frozenset())
    assert TRANSITIONS[MessageStatus.EXPIRED] == {delivered, undelivered}


def test_unknown_is_never_resent_automatically_but_can_be_resolved() -> None:
    assert not can_transition(MessageStatus.UNKNOWN, MessageStatus.SENDING)
    assert can_transition(MessageStatus.UNKNOWN, MessageStatus.DELIVERED)


def test_sending_is_the_only_way_to_sent() -> None:
    sources = [s for s, targets in TRANSITIONS.items() if MessageStatus.SENT in targets]
    assert sorted(sources) == sorted([MessageStatus.SENDING, MessageStatus.UNKNOWN])
