"""A real browser for the back office: Debian's headless chromium driven by Selenium against
Django's live server. Skipped, with the reason, where no browser is installed."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser(live_server):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("no browser: install chromium and chromium-driver (apt) to run the admin browser suite")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1300,900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()  # closes its keep-alive connections while the live server still runs


@pytest.fixture
def screenshot(browser):
    """Saves the page as PNG under $LIVRILI_SCREENSHOTS (for looking at it), else does nothing."""
    folder = os.environ.get("LIVRILI_SCREENSHOTS")

    def take(name: str):
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            width, height = browser.get_window_size().values()
            page = browser.execute_script("return document.documentElement.scrollHeight")
            browser.set_window_size(width, min(max(page, height), 5000))  # the whole page, bounded
            browser.save_screenshot(str(Path(folder) / f"{name}.png"))
            browser.set_window_size(width, height)

    return take
