"""How fast the simulated modem's core answers: AT round trips and PDU-mode submits per second.

Pure device work (no link, no event loop), so it shows the ceiling the simulator puts on a
gateway benchmark. Prints one JSON object.
"""

from __future__ import annotations

import json
import time

from simulator.device import SimModem
from simulator.profiles import get_profile

# SMS-SUBMIT to +255700000001, SRR, VP 24 h, GSM-7 "Loan repayment due" (built by hand).
PDU = "0031000C915275000000100000A712CC77D80D9297E1E17CBBECA683C8F532"
LENGTH = len(bytes.fromhex(PDU)) - 1


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else float("inf")


def main() -> None:
    modem = SimModem(get_profile("generic"))
    modem.feed(b"ATE0;+CNMI=2,1,0,1,0\r", 0.0)
    rounds = 20_000
    start = time.perf_counter()
    for i in range(rounds):
        modem.feed(b"AT+CSQ\r", float(i))
    at_seconds = time.perf_counter() - start
    sends = 10_000
    start = time.perf_counter()
    for i in range(sends):
        modem.feed(f"AT+CMGS={LENGTH}\r".encode(), float(i))
        modem.feed(PDU.encode() + b"\x1a", float(i))
    send_seconds = time.perf_counter() - start
    if len(modem.submits) != sends:
        raise SystemExit(f"the benchmark PDU was refused: {modem.counters}")
    print(
        json.dumps(
            {
                "at_round_trips_per_s": _rate(rounds, at_seconds),
                "submits_with_report_per_s": _rate(sends, send_seconds),
                "submits": sends,
                "reports_emitted": modem.counters["reports_emitted"],
            }
        )
    )


if __name__ == "__main__":
    main()
