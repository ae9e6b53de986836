"""The message memories a modem offers (27.005 §3.2.2) and where it keeps status reports."""

from __future__ import annotations

from enum import StrEnum


class Memory(StrEnum):
    """Message storages of 27.005 §3.2.2.

    ``SM`` (SIM), ``ME`` (phone flash), ``SR`` (status reports), ``BM`` (cell broadcast, listed by
    Wavecom) hold messages; ``MT`` is not a place of its own but every storage of the MT, ``ME``
    first then ``SM`` (27.005 §3.2.2), as ZTE and Quectel list it.
    """

    SM = "SM"
    ME = "ME"
    SR = "SR"
    BM = "BM"
    MT = "MT"

    @property
    def parts(self) -> tuple[Memory, ...]:
        """The physical memories behind this name, in the order they fill and are numbered."""
        return (Memory.ME, Memory.SM) if self is Memory.MT else (self,)


class ReportStorage(StrEnum):
    """Where a status report goes when ``+CNMI`` asks for it stored (``<ds>`` 2, or 0 for polling)."""

    SR = "SR"  # the "SR" memory (generic, Quectel, Wavecom, ZTE K3565-Z)
    RECEIVE = "receive"  # <mem3> of +CPMS, with received SMS: Huawei dongles without "SR"
    NONE = "none"  # never stored: only +CDS (ds=1) shows them (SIMCom SIM800)
