"""The voucher shop driven in a real browser (Debian's chromium, headless, via chromedriver)
against a real Niaga server and the fake Tripay: choose a package, enter a number, pay, and
see the voucher on the status page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.browser_logs import LOGGING_PREFS, policy_violations
from tests.e2e.shop.conftest import Shop

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is a dev dependency")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="chromium and chromedriver are not installed (.ci/run installs them: "
    "apt-get install -y chromium chromium-driver)",
)


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    options.add_argument("--window-size=412,915")  # a phone's screen
    options.set_capability(*LOGGING_PREFS)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_a_customer_buys_a_voucher_in_the_browser(shop: Shop, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    browser.get(shop.page)
    assert "Beli voucher WiFi" in browser.page_source
    browser.find_element(By.CSS_SELECTOR, "input[name=profile][value='1HARI']").click()
    browser.find_element(By.ID, "phone").send_keys("0813 5555 0002")
    browser.find_element(By.ID, "pay").click()

    status = browser.find_element(By.ID, "status")
    assert status.get_attribute("data-status") == "awaiting_payment"
    assert "Menunggu pembayaran" in status.text
    pay_link = browser.find_element(By.ID, "pay-link").get_attribute("href") or ""
    gateway_order = shop.tripay.only_order()
    assert pay_link.startswith(f"{shop.tripay.url}/checkout/")
    assert shop.tripay.payment(gateway_order).amount == 5000

    assert shop.pay(gateway_order).status_code == 200
    browser.refresh()

    order_id = browser.current_url.split("/buy/orders/")[1].split("?")[0]
    from uuid import UUID

    order = shop.voucher_order(UUID(order_id))
    assert browser.find_element(By.ID, "status").get_attribute("data-status") == "fulfilled"
    assert browser.find_element(By.ID, "username").text == order.username
    assert browser.find_elements(By.CSS_SELECTOR, ".qr svg")
    assert policy_violations(browser) == []  # every page of the way, under its strict policy
