"""The built-in profiles: what each real modem family offers and how its firmware deviates.

See :mod:`simulator.profiles` for the table of storages and quirks per profile.
"""

from __future__ import annotations

from typing import Final

from simulator.profiles.model import BusyWindow, Memory, Profile, Quirks, capacity_table

_GENERIC: Final = Profile(
    name="generic",
    manufacturer="SimModem",
    model="GSM-27005",
    revision="1.0.0",
    imei="356938035643809",
)

_HUAWEI_E173: Final = Profile(
    name="huawei-e173",
    manufacturer="huawei",
    model="E173",
    revision="11.126.85.00.209",
    imei="353142046123456",
    capacities=capacity_table(sm=50, me=255, sr=50),
    default_cnmi=(2, 1, 0, 2, 0),
    quirks=Quirks(
        unknown_command_text="COMMAND NOT SUPPORT",
        clac_line_end="\r\r\n",
        boot_urcs=("^RSSI: 20", "^MODE: 5,4"),
        periodic_rssi_seconds=10.0,
    ),
)

_QUECTEL_EC25: Final = Profile(
    name="quectel-ec25",
    manufacturer="Quectel",
    model="EC25",
    revision="EC25EFAR06A06M4G",
    imei="866758041234567",
    access_technology=7,
    capacities=capacity_table(sm=50, me=255, sr=50),
    default_memory=Memory.ME,
    quirks=Quirks(
        cdsi_announced_memory=Memory.SM,
        busy_after_boot=BusyWindow(commands=1, cms=True),
        boot_urcs=("RDY", "+CFUN: 1", "+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"),
    ),
)

_SIMCOM_SIM800: Final = Profile(
    name="simcom-sim800",
    manufacturer="SIMCOM_Ltd",
    model="SIMCOM_SIM800L",
    revision="Revision:1418B04SIM800L24",
    imei="864764031234567",
    access_technology=0,
    capacities=capacity_table(sm=30, me=50, sr=30),
    default_cnmi=(2, 1, 0, 1, 0),
    quirks=Quirks(
        supported_ds=(0, 1),
        boot_urcs=("RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready"),
    ),
)

_WAVECOM: Final = Profile(
    name="wavecom",
    manufacturer="WAVECOM MODEM",
    model="MULTIBAND  900E  1800",
    revision="641b09gg.Q2403A 1320676 061804 14:38",
    imei="359012345678901",
    access_technology=0,
    supported_memories=(Memory.SM, Memory.SR),
    quirks=Quirks(
        cpin_ready_without_ok=True,
        cpms_two_slots=True,
        cgmi_leading_space=True,
        busy_after_cfun=BusyWindow(commands=2, cms=False),
        boot_urcs=("+WIND: 3", "+WIND: 1", "+WIND: 7", "+WIND: 4"),
    ),
)

_ZTE: Final = Profile(
    name="zte",
    manufacturer="ZTE CORPORATION",
    model="K3565-Z",
    revision="BD_P673A2V1.0.0B09",
    imei="351234012345678",
    capacities=capacity_table(sm=30, me=100, sr=30),
    quirks=Quirks(
        csmp_wipes_smsc=True,
        csca_busy_after_boot=2,
        urcs_around_send=('+ZPASR: "UMTS"',),
        boot_urcs=("+ZUSIMR:2", '+ZPASR: "UMTS"'),
    ),
)

_PROFILES: Final[dict[str, Profile]] = {
    p.name: p for p in (_GENERIC, _HUAWEI_E173, _QUECTEL_EC25, _SIMCOM_SIM800, _WAVECOM, _ZTE)
}


def profile_names() -> list[str]:
    """Return the names a user may pass as ``--profile`` (sorted, generic first)."""
    return ["generic", *sorted(n for n in _PROFILES if n != "generic")]


def builtin_profile(name: str) -> Profile:
    """Return the built-in profile called ``name``.

    :raises KeyError: with the list of known names, so a typo on the command line is obvious.
    """
    try:
        return _PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown modem profile {name!r}; known: {', '.join(profile_names())}") from None
