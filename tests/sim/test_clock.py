"""The running simulator's SMSC clock: wall-clock time stamps, a skew and a zone, on every surface."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from simulator.__main__ import main
from tests.sim.conftest import MakeSim
from tests.sim.support import submit_hello


async def test_submits_are_stamped_by_a_skewed_smsc_clock_in_its_zone(make_sim: MakeSim) -> None:
    sim = await make_sim(control_port=0, smsc_clock_skew=-120.0, smsc_utc_offset=timedelta(hours=3))
    stream = await sim.open_stream()
    await submit_hello(stream)
    [submit] = sim.submits
    assert submit.scts is not None
    assert submit.scts.utcoffset() == timedelta(hours=3)
    assert abs(submit.scts - (datetime.now(UTC) - timedelta(seconds=120))) < timedelta(seconds=5)
    async with aiohttp.ClientSession() as http, http.get(f"{sim.control_url}/submits") as response:
        shown = (await response.json())["submits"][0]["scts"]
    assert datetime.fromisoformat(shown) == submit.scts
    await stream.close()


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--smsc-utc-offset", "+03:10"], "quarter hours"),
        (["--smsc-utc-offset", "3"], "quarter hours"),
        (["--smsc-skew", "nan"], "within a week"),
        (["--smsc-skew", "1e9"], "within a week"),
    ],
)
def test_a_bad_clock_option_exits_2(argv: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--tcp", "127.0.0.1:0", *argv])
    assert exited.value.code == 2
    assert said in capsys.readouterr().err
