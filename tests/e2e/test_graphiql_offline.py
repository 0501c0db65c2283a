"""GraphiQL works without internet: the page loads every script and style from Niaga itself,
each matching the integrity hash the page names, and a browser that can reach nothing else
renders the editor."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.browser_logs import LOGGING_PREFS, policy_violations

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ASSET = re.compile(r'(?:src|href)="(/graphiql-assets/[^"]+)"\s+integrity="(sha384-[^"]+)"')


def _page(server: str) -> str:
    response = httpx.get(f"{server}/graphql", headers={"accept": "text/html"}, timeout=10)
    assert response.status_code == 200
    return response.text


def test_the_page_names_no_outside_address(server: str) -> None:
    page = _page(server)
    assert "unpkg.com" not in page
    assert "https://" not in re.sub(r'xmlns="[^"]+"', "", page)


def test_every_asset_is_served_and_matches_its_integrity_hash(server: str) -> None:
    assets = ASSET.findall(_page(server))
    assert len(assets) == 7
    for path, integrity in assets:
        body = httpx.get(f"{server}{path}", timeout=10).content
        digest = base64.b64encode(hashlib.sha384(body).digest()).decode()
        assert integrity == f"sha384-{digest}", path


@pytest.fixture
def offline_browser() -> Iterator[object]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("chromium and chromedriver are not installed (.ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    # No name resolves except this machine's: the browser is as offline as a shop's back office.
    options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
    options.set_capability(*LOGGING_PREFS)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_an_offline_browser_renders_the_editor(server: str, offline_browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    assert isinstance(offline_browser, WebDriver)
    offline_browser.get(f"{server}/graphql")
    WebDriverWait(offline_browser, 20).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".graphiql-container"))
    )
    assert "Loading" not in offline_browser.find_element(By.TAG_NAME, "body").text
    assert policy_violations(offline_browser) == []
