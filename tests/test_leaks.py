"""The leak check itself: tests that leak on purpose, run in a pytest of their own, must fail.

Each case runs the real plugin (``tests/leaks.py``) under pytest-asyncio in a fresh pytest session,
so what is shown is what the suite gets: a task left pending on the test's loop, whether that loop
is the test's own or a shared one, is an error at teardown, and a tidy test is not.
"""

from __future__ import annotations

import pytest

INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""


def run(pytester: pytest.Pytester, source: str) -> pytest.RunResult:
    pytester.makeini(INI)
    pytester.makepyfile(test_case=source)
    return pytester.runpytest_inprocess("-p", "tests.leaks", "-p", "no:cacheprovider")


BODY_LEAKS = """
import asyncio

async def test_forgets_its_task():
    asyncio.create_task(asyncio.Event().wait(), name="forgotten")
"""
FIXTURE_LEAKS = """
import asyncio
import pytest

@pytest.fixture
async def server():
    asyncio.create_task(asyncio.Event().wait(), name="forgotten")
    yield

async def test_uses_it(server):
    pass
"""
# The system tests share a package loop: the check must look there, not at a loop of its own; the
# test after the leaky one passes (the leak was reported once, and cleared).
SHARED_LOOP_LEAKS = """
import asyncio
import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

async def test_forgets_its_task():
    asyncio.create_task(asyncio.Event().wait(), name="forgotten")

async def test_runs_after_it():
    pass
"""


@pytest.mark.parametrize(
    ("source", "passed"),
    [(BODY_LEAKS, 1), (FIXTURE_LEAKS, 1), (SHARED_LOOP_LEAKS, 2)],
    ids=["test-body", "fixture", "shared-loop"],
)
def test_a_task_left_pending_is_an_error_at_teardown(
    pytester: pytest.Pytester, source: str, passed: int
) -> None:
    result = run(pytester, source)
    result.assert_outcomes(passed=passed, errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_*", "*asyncio tasks left running: ['forgotten (*"]
    )


def test_tasks_stopped_in_time_and_a_shared_fixtures_tasks_pass(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
import asyncio
import contextlib
import pytest
import pytest_asyncio

pytestmark = pytest.mark.asyncio(loop_scope="module")

@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_server():
    task = asyncio.create_task(asyncio.Event().wait(), name="lives-for-the-module")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

@pytest_asyncio.fixture(loop_scope="module")
async def tidy_server():
    task = asyncio.create_task(asyncio.Event().wait())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

async def test_stops_what_it_starts(shared_server, tidy_server):
    task = asyncio.create_task(asyncio.sleep(3600))
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

async def test_a_finished_task_is_no_leak(shared_server):
    await asyncio.create_task(asyncio.sleep(0))
""",
    )
    result.assert_outcomes(passed=2)
