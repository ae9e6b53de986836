"""Modem profiles: the identity, defaults, storages and firmware quirks of real modem families.

``get_profile(name)`` returns a built-in profile (:mod:`simulator.profiles.builtin`) or loads a
``.toml`` file that overrides one (:mod:`simulator.profiles.toml_file`).
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
