"""What a page's Content-Security-Policy refused, as chromium's console reported it."""

from __future__ import annotations

from typing import Any

# Set on the driver's options, so that the console's messages can be read back.
LOGGING_PREFS = ("goog:loggingPrefs", {"browser": "ALL"})


def policy_violations(driver: Any) -> list[str]:
    entries = driver.get_log("browser")
    return [e["message"] for e in entries if "Content Security Policy" in e["message"]]
