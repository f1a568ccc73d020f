"""Headless Chromium (Debian's chromium + chromedriver) driven by Selenium, with the network
cut: every host name resolves to nothing except 127.0.0.1, so a page that fetched a script,
style or font from outside would break (WEB3). Skips, saying so, where Chromium is missing."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Callable, Iterator

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
MISSING = ("Chromium is not installed: `apt-get install -y chromium chromium-driver` "
           "(.ci/run does it) to run the browser tests")

WAIT_SECONDS = 15


def require_chromium() -> None:
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(MISSING)
    pytest.importorskip("selenium", reason="selenium is in the `test` extra")


@contextlib.contextmanager
def chromium(language: str = "en-GB") -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1500,1000", f"--lang={language}",
                     # The network cut: nothing but the server on 127.0.0.1 resolves.
                     "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                     "--disable-background-networking", "--no-first-run"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """One browser tab on one page, with the waits and the screenshots the stories use."""

    def __init__(self, driver, base: str, shots: Path, name: str) -> None:
        self.driver, self.base, self.shots, self.name = driver, base, shots, name
        self.step = 0

    def open(self, path: str) -> "Page":
        self.driver.get(self.base + path)
        return self

    def css(self, selector: str):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def all(self, selector: str):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def xpath(self, path: str):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.XPATH, path)

    def wait(self, condition: Callable[[], object], what: str):
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        def check(_):
            try:
                return condition()
            except (WebDriverException, LookupError):
                return False
        try:
            return WebDriverWait(self.driver, WAIT_SECONDS, poll_frequency=0.1).until(check)
        except Exception as exc:
            self.shot(f"failed-{what}")
            raise AssertionError(f"{self.name}: {what} did not happen; page text:\n{self.text()[:3000]}") from exc

    def wait_text(self, text: str, selector: str = "body"):
        return self.wait(lambda: text in self.text(selector), f"'{text}' in {selector}")

    def text(self, selector: str = "body") -> str:
        """The visible text of a CSS selector, or of an XPath (starting with /)."""
        return (self.xpath(selector) if selector.startswith("/") else self.css(selector)).text

    def click(self, xpath: str) -> None:
        self.wait(lambda: self.xpath(xpath).is_enabled(), f"clickable {xpath}")
        element = self.xpath(xpath)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def sign_in(self, username: str) -> "Page":
        self.wait(lambda: self.css("input[name=username]"), "the sign-in form")
        self.css("input[name=username]").send_keys(username)
        self.css("input[name=password]").send_keys("demo")
        self.css("form.signin button[type=submit]").click()
        self.wait(lambda: self.css("[data-testid=me]"), "signed in")
        return self

    def shot(self, label: str) -> Path:
        self.step += 1
        path = self.shots / f"{self.name}-{self.step:02d}-{label}.png"
        self.driver.save_screenshot(str(path))
        return path

    def outside_requests(self) -> list[str]:
        """Every resource the page asked for that is not on the server."""
        urls = self.driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        return [u for u in urls + [self.driver.current_url] if not u.startswith(self.base)]

    def console_errors(self) -> list[str]:
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
