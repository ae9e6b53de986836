"""The simulator's own SMS-SUBMIT decoder (TS 23.040 §9.2.2.2) and the record of each submit.

Deliberately independent of the gateway's encoder: if both shared code, a bug in it would be
invisible to every test.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Submit:
    """One accepted SMS-SUBMIT as the network saw it."""

    recipient: str
    part_text: str
    mr: int
    concat: tuple[int, int, int] | None
    dcs: int
    status_report_requested: bool
    validity: str | None
    tpdu_length: int
    raw_pdu: str
    text: str = ""


def reassemble(submits: list[Submit]) -> list[tuple[str, str]]:
    """Return ``(recipient, whole text)`` for single submits and complete concatenations."""
    return [(s.recipient, s.part_text) for s in submits if s.concat is None]
