"""The leak check every test runs under: no thread and no asyncio task may outlive the test.

A pytest plugin (``tests/conftest.py`` loads it; ``tests/test_leaks.py`` loads it into a pytest of
its own to show it catches leaks). Threads are compared before and after the test. Tasks need more
care, because pytest-asyncio closes a test's event loop by cancelling whatever is still pending, so
a leaked task vanishes without a trace unless it is looked for *before* the loop closes, *on the
loop the test ran in*. That loop may be the test's own (the default) or one shared by a package
(the system tests): the check is an async fixture of the same loop scope as the test, requested
before every other fixture of the test, so its teardown runs after theirs, while the loop is still
open. Tasks that were running before it started (a package fixture's server) are not the test's.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress

import pytest
import pytest_asyncio

#: The pytest-asyncio loop scopes; a task check exists for each (see ``_task_check_name``).
LOOP_SCOPES = ("function", "class", "module", "package", "session")


def pending_tasks(before: set[asyncio.Task[object]]) -> list[asyncio.Task[object]]:
    """Return the tasks of the running loop that are still pending and were not in ``before``."""
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not current and t not in before]


def describe(task: asyncio.Task[object]) -> str:
    """Name a task, its coroutine and where it waits: enough to find who started it."""
    coro = task.get_coro()
    frames = task.get_stack(limit=1)
    where = f" at {frames[0].f_code.co_filename}:{frames[0].f_lineno}" if frames else ""
    return f"{task.get_name()} ({getattr(coro, '__qualname__', coro)}){where}"


async def cancel(tasks: list[asyncio.Task[object]]) -> None:
    """Cancel and await ``tasks``, so a shared loop's next test starts clean."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with suppress(asyncio.CancelledError, Exception):
            await task


def _task_check(loop_scope: str) -> object:
    @pytest_asyncio.fixture(loop_scope=loop_scope, name=_task_check_name(loop_scope))
    async def no_leaked_tasks() -> AsyncIterator[None]:
        before = asyncio.all_tasks()
        yield
        leaked = pending_tasks(before)
        described = sorted(describe(task) for task in leaked)
        await cancel(leaked)
        assert not leaked, f"asyncio tasks left running: {described}"

    return no_leaked_tasks


def _task_check_name(loop_scope: str) -> str:
    return f"no_leaked_tasks_{loop_scope}_loop"


for _scope in LOOP_SCOPES:
    globals()[_task_check_name(_scope)] = _task_check(_scope)


def _loop_scope(item: pytest.Item) -> str:
    """Return the loop scope pytest-asyncio runs ``item`` in: its marker's, else the ini default."""
    marker = item.get_closest_marker("asyncio")
    scope = marker.kwargs.get("loop_scope") if marker else None
    return str(scope or item.config.getini("asyncio_default_test_loop_scope") or "function")


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves a thread running: every started thing has a stop."""
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    for thread in leaked:
        thread.join(timeout=2)
    still = [t.name for t in leaked if t.is_alive()]
    assert not still, f"threads left running: {still}"


@pytest.fixture(autouse=True)
def no_leaked_tasks(no_leaked_threads: None, request: pytest.FixtureRequest) -> None:
    """Fail an async test that leaves an asyncio task running on its loop.

    Set up after the thread check, so the test's event loop (and its executor thread) is closed
    before threads are counted.
    """
    if pytest_asyncio.is_async_test(request.node):
        request.getfixturevalue(_task_check_name(_loop_scope(request.node)))
