"""Messages per second through one simulated modem on a 115200-baud line, against the line's limit.

The simulator paces its line both ways like a 115200 8N1 UART (11 520 bytes/s each way): the
driver gets each answer, and the modem each command and PDU, no sooner than the line could carry
them (``simulator/links/pacing.py``). AT+CMGS is a ping-pong exchange (the PDU waits for the
``> `` prompt, the next command for ``+CMGS``), so the line limit for one message is 11 520 bytes/s
divided by the bytes exchanged in both directions per message, counted by the simulator (10 bits
per byte: start, 8 data, stop). The ratio says how much of the line the driver uses; target >= 0.9.

The simulator may release bytes up to a UART FIFO (16 bytes, 1.4 ms) before their stop bit, so its
millisecond timers do not slow the line down; whoever answers such bytes starts on the other line
that much later, so the allowance never adds up over round trips and the ratio cannot exceed 1
(beyond one FIFO over the whole run).

An unpaced run of the same messages gives the driver's (and simulator's) own cost per message;
``ratio_if_only_driver_overhead_added`` is the ratio the line would allow if that were the only
overhead.

Usage: python bench/modem_throughput.py [--messages N] [--text TEXT] [--reports]
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import dataclass

from gsmgateway.modem.driver import ModemDriver
from gsmgateway.modem.options import DriverOptions, ReportRouting
from gsmgateway.modem.pdu import encode_sms
from simulator import FaultPlan, Outcome, SimulatorServer

BAUD = 115200
LINE_BYTES_PER_SECOND = BAUD / 10  # 8N1: start + 8 data + stop bits
RECIPIENT = "+255700000001"


@dataclass(frozen=True)
class Measurement:
    """One timed run: messages sent, seconds, and bytes each way as the simulator counted them."""

    sent: int
    seconds: float
    bytes_in: int
    bytes_out: int


async def run(messages: int, text: str, reports: bool) -> dict[str, object]:
    """Measure a paced run and an unpaced one (the driver's and simulator's own cost per message)."""
    paced = await measure(messages, text, reports, paced=True)
    unpaced = await measure(messages, text, reports, paced=False)
    sent = paced.sent
    measured = sent / paced.seconds
    line_time = (paced.bytes_in + paced.bytes_out) / sent / LINE_BYTES_PER_SECOND
    overhead = unpaced.seconds / unpaced.sent
    return {
        "messages": sent,
        "text_length": len(text),
        "with_reports": reports,
        "baud_rate": BAUD,
        "seconds": round(paced.seconds, 3),
        "messages_per_second": round(measured, 2),
        "bytes_to_modem_per_message": round(paced.bytes_in / sent, 1),
        "bytes_from_modem_per_message": round(paced.bytes_out / sent, 1),
        "line_limit_messages_per_second": round(1 / line_time, 2),
        "ratio": round(measured * line_time, 3),
        "unpaced_ms_per_message": round(overhead * 1000, 3),
        "ratio_if_only_driver_overhead_added": round(line_time / (line_time + overhead), 3),
    }


async def measure(messages: int, text: str, reports: bool, *, paced: bool) -> Measurement:
    """Send ``messages`` pre-encoded messages one after another; count seconds and bytes."""
    faults = FaultPlan(baud_rate=BAUD if paced else None, network_delay=0.0)
    async with SimulatorServer(profile="generic", link="memory", faults=faults) as sim:
        sim.plan(RECIPIENT, Outcome.DELIVERED if reports else Outcome.NO_REPORT)

        routing = ReportRouting.STORED if reports else ReportRouting.POLL
        driver = ModemDriver("bench", sim.open_stream, options=DriverOptions(report_routing=routing))
        await driver.start()
        try:
            await driver.wait_ready(30)
            parts = [
                part for i in range(messages) for part in encode_sms(RECIPIENT, text, concat_ref=i % 256)
            ]
            await driver.send_pdu(parts[0])  # warm-up, not counted
            if reports:
                await asyncio.wait_for(driver.pending_reports.get(), 30)
            before = sim.counters
            started = time.perf_counter()
            for part in parts[1:]:
                await driver.send_pdu(part)
            if reports:
                for _ in parts[1:]:
                    await asyncio.wait_for(driver.pending_reports.get(), 30)
            elapsed = time.perf_counter() - started
            after = sim.counters
        finally:
            await driver.stop()
    return Measurement(
        len(parts) - 1,
        elapsed,
        after["bytes_in"] - before["bytes_in"],
        after["bytes_out"] - before["bytes_out"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--text", default="Your repayment of TZS 25,000 was received. Thank you.")
    parser.add_argument("--reports", action="store_true", help="also read a +CDSI status report per message")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.messages, args.text, args.reports)), indent=2))


if __name__ == "__main__":
    main()
