"""A real browser for the console tests: Debian's chromium, driven headless through chromium-driver.

Nothing is downloaded at test time (Selenium Manager is never asked: both paths are given). The
browser gets a fresh profile in the test's folder and no network of its own beyond the pages it is
sent to. If chromium or chromedriver is missing the test fails, naming the packages ``make test``
installs; it never skips.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, TypeVar

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

WAIT_SECONDS: Final = 30.0
DESKTOP: Final = (1280, 1000)
PHONE: Final = (390, 844)
T = TypeVar("T")


def _installed(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError(
        f"{' or '.join(names)} is not installed: the browser tests need Debian's chromium and "
        "chromium-driver packages (make test installs them when run as root)"
    )


@contextmanager
def chromium(profile: Path) -> Iterator[WebDriver]:
    """Start headless chromium with a fresh profile in ``profile``; quit it (and its driver) at the end."""
    options = webdriver.ChromeOptions()
    options.binary_location = _installed("chromium", "chromium-browser")
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
        f"--user-data-dir={profile}", f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    ):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(_installed("chromedriver")))
    try:
        yield driver
    finally:
        driver.quit()


def wait_until(driver: WebDriver, condition: Callable[[WebDriver], T], what: str) -> T:
    """Wait (bounded) until ``condition`` holds in the page; fail saying what was awaited and where."""
    try:
        result: T = WebDriverWait(driver, WAIT_SECONDS, poll_frequency=0.1).until(condition)
    except Exception as exc:  # selenium's TimeoutException: say what we waited for, on which page
        raise AssertionError(f"{what}: not within {WAIT_SECONDS}s on {driver.current_url}") from exc
    return result


class Screenshots:
    """Saves a full-page screenshot of each page visited under the test's folder, by name."""

    def __init__(self, driver: WebDriver, folder: Path) -> None:
        self.driver = driver
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.saved: list[Path] = []

    def take(self, name: str) -> Path:
        """Save the whole page (as tall as its content) as ``<name>.png``."""
        width = self.driver.get_window_size()["width"]
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        original = self.driver.get_window_size()
        self.driver.set_window_size(width, max(int(height) + 140, original["height"]))
        path = self.folder / f"{name}.png"
        try:
            assert self.driver.save_screenshot(str(path)), f"no screenshot of {name}"
        finally:
            self.driver.set_window_size(original["width"], original["height"])
        self.saved.append(path)
        return path
