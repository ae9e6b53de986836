"""Fixtures shared by every test: the leak check (``tests/leaks.py``) runs for all of them."""

from __future__ import annotations

pytest_plugins = ("tests.leaks", "pytester")
