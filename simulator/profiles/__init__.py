"""Modem profiles: the identity, defaults, storages and firmware quirks of real modem families.

``get_profile(name)`` returns a built-in profile (:mod:`simulator.profiles.builtin`, where the
source of every value is named) or loads a ``.toml`` file that overrides one
(:mod:`simulator.profiles.toml_file`).

Storages (``AT+CPMS=?`` per slot; where a report goes when ``+CNMI`` asks for it stored, ds=2 with
``+CDSI`` or ds=0 silently; which memory ``+CDSI`` names; the first index)::

    profile        AT+CPMS=?                                   stored reports    +CDSI   index
    generic        ("SM","ME","SR"),("SM","ME"),("SM","ME")      "SR"             "SR"    1
    huawei-e173    ("SM","ME") x3                                <mem3> ("SM")    <mem3>  0
    quectel-ec25   ("SM","ME","MT","SR"),("SM","ME","MT") x2     "SR"             "SM"!   0
    simcom-sim800  ("SM","ME","MT") x3                           none: +CDS only  -       1
    wavecom        (("SM","BM","SR"),("SM"))  two slots          "SR"             "SR"    1
    zte            ("ME","MT","SM","SR") x3                      "SR"             "SR"    1

Capacities: generic SM 30 / ME 100 / SR 30; huawei-e173 SM 50 / ME 255; quectel-ec25 SM 50 /
ME 255 / SR 50; simcom-sim800 SM 30 / ME 50; wavecom SM 50 / SR 30 / BM 20; zte SM 30 / ME 100 /
SR 30. ``"MT"`` is ME then SM under one index range. A memory a slot does not offer is refused
with ``+CMS ERROR: 302``. A full memory refuses a delivery; the SMSC delivers it again after a
delete (Huawei prints ``^SMMEMFULL: "SM"`` once per filling-up).

Quirks: huawei-e173 - ``COMMAND NOT SUPPORT``, ``+CLAC`` lines end CR CR LF, ``^RSSI`` every 10 s
(off with ``AT^CURC=0``), answers ``^CURC``/``^PORTSEL``/``^USSDMODE``/``^SYSINFO``, boots with
``+CNMI: 2,1,0,2,0``. quectel-ec25 - ``+CMS ERROR: 515`` for the first command after boot, ``RDY``/
``+QIND`` boot URCs, ``+QURCCFG``. simcom-sim800 - ``+CNMI`` ``<ds>`` 0 or 1 only (2 is
``+CMS ERROR: 303``), boots with ``+CNMI: 2,1,0,1,0``, ``Call Ready``/``SMS Ready``. wavecom -
``+CPIN: READY`` without ``OK``, ``" WAVECOM MODEM"``, ``+CME ERROR: 515`` for two commands after
``AT+CFUN=1``, ``+WIND``. zte - ``AT+CSMP`` wipes the SMSC, the first two ``AT+CSCA?`` are
``+CME ERROR: 14``, ``+ZPASR`` before the prompt and before ``+CMGS``, ``AT+CFUN?`` answered in the
test form, ``+ZCDRUN``/``+ZOPRT``/``+ZPAS``. generic - none: 27.005 by the book.
"""

from __future__ import annotations

from simulator.profiles.builtin import builtin_profile, profile_names
from simulator.profiles.memory import Memory, ReportStorage
from simulator.profiles.model import BusyWindow, Profile, Quirks
from simulator.profiles.preload import Preload, PreloadError, PreloadKind, preload_from_json
from simulator.profiles.toml_file import load_profile

__all__ = [
    "BusyWindow",
    "Memory",
    "Preload",
    "PreloadError",
    "PreloadKind",
    "Profile",
    "Quirks",
    "ReportStorage",
    "get_profile",
    "load_profile",
    "preload_from_json",
    "profile_names",
]


def get_profile(name: str) -> Profile:
    """Return the built-in profile called ``name``, or the one a ``.toml`` file describes.

    :raises KeyError: with the list of known names, so a typo on the command line is obvious.
    :raises ValueError: for a profile file with problems (all of them listed).
    """
    if name.endswith(".toml"):
        return load_profile(name)
    return builtin_profile(name)
