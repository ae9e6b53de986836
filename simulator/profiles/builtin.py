"""The built-in profiles: what each real modem family offers and how its firmware deviates.

The evidence for every value is named next to it; :mod:`simulator.profiles` has the table of
storages per profile. Where no source could be found the value is the 27.005 default and says so.
"""

from __future__ import annotations

from typing import Final

from simulator.profiles.memory import Memory, ReportStorage
from simulator.profiles.model import BusyWindow, Profile, Quirks, capacity_table

SM, ME, SR, BM, MT = Memory.SM, Memory.ME, Memory.SR, Memory.BM, Memory.MT

#: By the book (27.005's examples): the profile a gateway that assumes "SR" was written against.
_GENERIC: Final = Profile(
    name="generic",
    manufacturer="SimModem",
    model="GSM-27005",
    revision="1.0.0",
    imei="356938035643809",
)

#: Huawei E173 (firmware 11.126): no "SR" memory at all, as on the E3372/E352 family
#: (gammu tests/at-cpms/brovi-e3372-325.dump: ("SM","ME") in every slot; chan-dongle issue 137).
#: Reports asked to be stored go with received SMS into <mem3> and +CDSI names it (issue 8's
#: E173-like modem). Indices start at 0 (gammu gsmphones.c: F_SMS_LOCATION_0 for E173).
#: COMMAND NOT SUPPORT, +CLAC lines ending CR CR LF (python-gsmmodem fakemodems HuaweiE1752),
#: periodic ^RSSI, and the Huawei commands gammu sends to it (AT^CURC=0, AT^PORTSEL=1,
#: atgen.c ATGEN_PostConnect), ^SMMEMFULL when a memory is full (Huawei MU509 AT spec §6.21).
_HUAWEI_E173: Final = Profile(
    name="huawei-e173",
    manufacturer="huawei",
    model="E173",
    revision="11.126.85.00.209",
    imei="353142046123456",
    capacities=capacity_table(sm=50, me=255),
    default_cnmi=(2, 1, 0, 2, 0),
    memory_slots=((SM, ME), (SM, ME), (SM, ME)),
    report_storage=ReportStorage.RECEIVE,
    first_index=0,
    quirks=Quirks(
        unknown_command_text="COMMAND NOT SUPPORT",
        clac_line_end="\r\r\n",
        boot_urcs=("^RSSI: 20", "^MODE: 5,4"),
        periodic_rssi_seconds=10.0,
        memory_full_urc='^SMMEMFULL: "{memory}"',
        vendor_commands=frozenset({"^CURC", "^PORTSEL", "^SYSINFO", "^USSDMODE"}),
    ),
)

#: Quectel EC25: stores reports in "SR" but announces them as +CDSI: "SM",0, with 0-based
#: indices (asterisk-chan-quectel PR 75, on EC25EFAR06A10M4G/EC25EFAR06A15M4G); "MT" as Quectel
#: lists it (M95 AT manual: ("SM","ME","MT") per slot); +CMS ERROR: 515 right after boot and the
#: RDY/+QIND boot URCs.
_QUECTEL_EC25: Final = Profile(
    name="quectel-ec25",
    manufacturer="Quectel",
    model="EC25",
    revision="EC25EFAR06A06M4G",
    imei="866758041234567",
    access_technology=7,
    capacities=capacity_table(sm=50, me=255, sr=50),
    default_memory=ME,
    memory_slots=((SM, ME, MT, SR), (SM, ME, MT), (SM, ME, MT)),
    first_index=0,
    quirks=Quirks(
        cdsi_announced_memory=SM,
        busy_after_boot=BusyWindow(commands=1, cms=True),
        boot_urcs=("RDY", "+CFUN: 1", "+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"),
        vendor_commands=frozenset({"+QURCCFG"}),
    ),
)

#: SIMCom SIM800: reports only as +CDS (+CNMI <ds> 0 or 1; ds=0 loses them) and no "SR" memory
#: (SIM800 AT manual: +CNMI=? (0-3),(0-3),(0,2),(0,1),(0,1)); the "SM_P"/"ME_P" memories it
#: also lists are not simulated. Call Ready / SMS Ready at boot.
_SIMCOM_SIM800: Final = Profile(
    name="simcom-sim800",
    manufacturer="SIMCOM_Ltd",
    model="SIMCOM_SIM800L",
    revision="Revision:1418B04SIM800L24",
    imei="864764031234567",
    access_technology=0,
    capacities=capacity_table(sm=30, me=50),
    default_cnmi=(2, 1, 0, 1, 0),
    memory_slots=((SM, ME, MT), (SM, ME, MT), (SM, ME, MT)),
    report_storage=ReportStorage.NONE,
    quirks=Quirks(
        supported_ds=(0, 1),
        boot_urcs=("RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready"),
    ),
)

#: Wavecom Multiband 900E/1800: two +CPMS slots, (("SM","BM","SR"),("SM")), +CPIN: READY without
#: OK, " WAVECOM MODEM" with a leading space, CME 515 for two commands after AT+CFUN=1
#: (python-gsmmodem fakemodems WavecomMultiband900E1800 and its issue 19); +WIND URCs.
_WAVECOM: Final = Profile(
    name="wavecom",
    manufacturer="WAVECOM MODEM",
    model="MULTIBAND  900E  1800",
    revision="641b09gg.Q2403A 1320676 061804 14:38",
    imei="359012345678901",
    access_technology=0,
    capacities=capacity_table(sm=50, me=0, sr=30, bm=20),
    memory_slots=((SM, BM, SR), (SM,)),
    quirks=Quirks(
        cpin_ready_without_ok=True,
        cgmi_leading_space=True,
        busy_after_cfun=BusyWindow(commands=2, cms=False),
        boot_urcs=("+WIND: 3", "+WIND: 1", "+WIND: 7", "+WIND: 4"),
        vendor_commands=frozenset({"+WIND"}),
    ),
)

#: ZTE K3565-Z (Vodafone): ("ME","MT","SM","SR") in every slot, AT+CFUN? answered in the test
#: form, +ZPAS? answered +BEARTYPE (python-gsmmodem fakemodems ZteK3565Z); AT+CSMP wipes the
#: SMSC and AT+CSCA? is "SIM busy" at first (issues 8 and 10); +ZPASR before the prompt and
#: before +CMGS (issue 11); the ZTE commands gammu sends (AT+ZCDRUN=8, AT+ZOPRT=5).
_ZTE: Final = Profile(
    name="zte",
    manufacturer="ZTE INCORPORATED",
    model="K3565-Z",
    revision="BD_P673A2V1.0.0B09",
    imei="351234012345678",
    capacities=capacity_table(sm=30, me=100, sr=30),
    memory_slots=((ME, MT, SM, SR), (ME, MT, SM, SR), (ME, MT, SM, SR)),
    quirks=Quirks(
        csmp_wipes_smsc=True,
        csca_busy_after_boot=2,
        urcs_around_send=('+ZPASR: "UMTS"',),
        boot_urcs=("+ZUSIMR:2", '+ZPASR: "UMTS"'),
        cfun_read_as_test=True,
        vendor_commands=frozenset({"+ZCDRUN", "+ZOPRT", "+ZPAS"}),
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
