"""The out-of-process control surface: a small loopback HTTP API on a running simulator.

See :mod:`simulator.control.app` for the routes and :mod:`simulator.control.requests` for how a
request is read.
"""

from __future__ import annotations

from simulator.control.app import ControlServer
from simulator.control.requests import BadRequestError, require_loopback, to_jsonable
from simulator.control.target import ControlledSimulator

__all__ = ["BadRequestError", "ControlServer", "ControlledSimulator", "require_loopback", "to_jsonable"]
