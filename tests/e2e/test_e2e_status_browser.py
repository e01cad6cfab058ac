"""The status page in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`)
loads /status in English and French at desktop and phone widths, on both backends, and the site
`incident-bot status export` writes, opened as files; axe-core (selenium-axe-python) finds no
accessibility violation on any of them. Screenshots go to build/screenshots/ (kept by CI as
artifacts). Without Chromium the tests skip, saying so, except
under CI=true, where a missing browser is a failure (.ci/run installs it)."""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from e2e_stack import KOLKATA, Stack
from png_pixels import read_png
from selenium.webdriver import ActionChains
from status_site import publish

from bot.demo import CATALOG
from bot.sandbox import ManualClock
from bot.status_page.export import export_site
from tests.free_ports import free_port

SCREENSHOTS = Path(__file__).parent.parent.parent / "build" / "screenshots"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
SIZES = {"desktop": (1280, 900, False), "phone": (390, 844, True)}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        reason = "Chromium or chromedriver is not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}, and CI=true requires the browser tests")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


class Inbox:
    """A real SMTP server on loopback (aiosmtpd) keeping what it is sent."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 30.0) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"{count} mails never came ({len(self.messages)})")


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    port = free_port()
    kept = Inbox()
    controller = Controller(kept, hostname="127.0.0.1", port=port)
    controller.start()
    yield kept, port
    controller.stop()


PUBLIC_ADDRESS = "https://status.chirper.example/status"


@pytest.fixture
def site(make_stack: Callable[..., Stack], inbox: tuple[Inbox, int], tmp_path: Path) -> Stack:
    """One open incident with two published updates (English and French), affecting the home page
    (a major outage), and one resolved incident that was a partial outage of search; mail
    subscriptions enabled (the form is on the page)."""
    clock = ManualClock(datetime(2022, 2, 17, 21, 41, tzinfo=KOLKATA))
    (tmp_path / "catalog.toml").write_text(CATALOG, encoding="utf-8")
    subscriptions = {
        "SMTP_URL": f"smtp://127.0.0.1:{inbox[1]}",
        "INCIDENT_MAIL_FROM": "Chirper status <status@chirper.example>",
        "INCIDENT_STATUS_URL": PUBLIC_ADDRESS,
        "INCIDENT_SECRET_KEY": "browser-test-secret-0123456789abcdef",
        "INCIDENT_CATALOG": str(tmp_path / "catalog.toml"),
    }
    stack = make_stack(clock=clock, settings=subscriptions)
    for number, title, component in ((1, "Search is slow", "search partial"), (2, "Home page broken", "home major")):
        stack.user("alice").slash(f"open sev{number} {title}")
        stack.settle()
        channel = stack.channel_of(number)
        stack.user("alice").slash(f"affects {component}", channel=channel)
        stack.user("alice").slash("impact Pages load slowly or show an error", channel=channel)
        clock.advance(minutes=6)
        stack.user("alice").slash("draft", channel=channel)
        stack.settle()
        publish(stack, channel, "English · long")
        publish(stack, channel, "Français · long")
    first = stack.channel_of(1)
    stack.user("alice").slash("public-title Slow search results", channel=first)
    clock.advance(minutes=52)
    stack.user("alice").slash("close", channel=first)
    stack.user("alice").slash("draft en long", channel=first)
    stack.settle()
    publish(stack, first, "English · long")
    return stack


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two `rgb(...)`/`rgba(...)` colours."""

    def luminance(colour: str) -> float:
        red, green, blue = (int(part) / 255 for part in colour[colour.index("(") + 1 :].rstrip(")").split(",")[:3])
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


READ_PAGE = """
const styleOf = (selector) => { const e = document.querySelector(selector); const s = getComputedStyle(e);
  return [s.color, s.backgroundColor]; };
return {
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  width: window.innerWidth,
  landmarks: ['header', 'nav', 'main', 'footer'].filter((t) => document.querySelector(t)),
  headings: [...document.querySelectorAll('h1, h2, h3')].map((h) => h.tagName + ' ' + h.innerText),
  state: document.querySelector('.state').innerText,
  stateColours: styleOf('.state'),
  textColours: [getComputedStyle(document.querySelector('.text')).color,
                getComputedStyle(document.body).backgroundColor],
  updates: [...document.querySelectorAll('.text')].map((p) => p.innerText),
  times: [...document.querySelectorAll('time')].map((t) => [t.getAttribute('datetime'), t.innerText]),
  scripts: document.querySelectorAll('script').length,
};
"""


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize(("language", "state", "open_heading"), [
    ("en", "Partial outage", "H2 Current incidents"),
    ("fr", "Panne partielle", "H2 Incidents en cours"),
])  # fmt: skip
def test_the_page_reads_well_in_a_browser_in_each_language_and_width(
    browser: Any, site: Stack, language: str, state: str, open_heading: str, size: str, request: pytest.FixtureRequest
) -> None:
    width, height, mobile = SIZES[size]
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1, "mobile": mobile},
    )
    browser.get(f"{site.url}/status?lang={language}")
    seen = browser.execute_script(READ_PAGE)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    backend = request.node.callspec.params["database_url"]
    browser.get_screenshot_as_file(str(SCREENSHOTS / f"status-{language}-{size}-{backend}.png"))
    assert seen["width"] == width and seen["overflow"] <= 0, "nothing wider than the screen"
    assert seen["landmarks"] == ["header", "nav", "main", "footer"]
    headings = seen["headings"]
    assert headings[0].startswith("H1 ") and open_heading in headings
    assert headings.index(open_heading) < headings.index("H3 Slow search results")
    assert seen["state"] == state and seen["scripts"] == 0
    assert contrast(*seen["stateColours"]) >= 4.5 and contrast(*seen["textColours"]) >= 4.5
    zone = "IST" if language == "en" else "(UTC+5:30)"  # as each language writes times ([time] in its wording)
    assert any(zone in shown and stamp.endswith("Z") for stamp, shown in seen["times"]), seen["times"]
    # the impact as typed, its first capital lowered mid-sentence
    assert all("pages load slowly or show an error" in update for update in seen["updates"]), seen["updates"]
    assert_accessible(browser)


READ_BARS = """
return [...document.querySelectorAll('ol.bar')].map((bar) => ({
  name: bar.getAttribute('aria-label'),
  rect: bar.getBoundingClientRect().toJSON(),
  days: [...bar.children].map((day) => ({
    rect: day.getBoundingClientRect().toJSON(),
    label: day.querySelector('.day-label').textContent,
    colour: getComputedStyle(day).backgroundColor,
  })),
}));
"""
SHOWN_LABEL = "return arguments[0].querySelector('.day-label').getBoundingClientRect().toJSON();"
DAY_COLOURS = {"operational": (0x2F, 0x9E, 0x57), "partial": (0xE8, 0x71, 0x0A), "major": (0xC5, 0x22, 0x1F)}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize(("language", "home", "today", "red", "orange"), [
    ("en", "Home page: the last 90 days, one day each", "17 Feb 2022: ",
     "major outage for 58m", "partial outage for 1h 4m"),
    ("fr", "Page d'accueil\u00a0: les 90 derniers jours, un par case", "17 févr. 2022\u00a0: ",
     "panne majeure pendant 58\u00a0min", "panne partielle pendant 1\u00a0h 4\u00a0min"),
])  # fmt: skip
def test_each_component_s_bar_is_seen_in_a_screenshot_with_every_day_labelled(
    browser: Any, site: Stack, language: str, home: str, today: str, red: str, orange: str, size: str,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    """The bars in a real screenshot at each width: every one of the 90 days is a cell wide enough to
    see, whose pixels have its state's colour, and whose words (for a screen reader, and the
    tooltip) say the day and its outage; today's cell of the home page is red, of search orange."""
    width, height, mobile = SIZES[size]
    scale = 2 if mobile else 1
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile},
    )
    browser.get(f"{site.url}/status?lang={language}")
    backend = request.node.callspec.params["database_url"]
    bars = browser.execute_script(READ_BARS)
    assert [bar["name"].split("\u00a0:")[0].split(":")[0] for bar in bars] == (
        ["Home page", "Search", "Public API"] if language == "en" else ["Page d'accueil", "Recherche", "API publique"]
    )
    assert bars[0]["name"] == home
    bars_shown = browser.find_elements("css selector", "ol.bar")
    for index, (bar, element) in enumerate(zip(bars, bars_shown, strict=True)):
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        bar = browser.execute_script(READ_BARS)[index]  # where it is once scrolled to
        picture = read_png(element.screenshot_as_png)
        (SCREENSHOTS / f"bar-{index}-{language}-{size}-{backend}.png").write_bytes(element.screenshot_as_png)
        assert len(bar["days"]) == 90 and bar["rect"]["right"] <= width, "90 days, within the screen"
        for day in bar["days"]:
            assert day["rect"]["width"] >= 2 and day["rect"]["height"] >= 20, (size, day)
            assert re.match(r"\d{1,2} \S+ 202[12]\u00a0?: ", day["label"]), day
            x = int((day["rect"]["x"] + day["rect"]["width"] / 2 - bar["rect"]["x"]) * scale)
            y = int((day["rect"]["y"] + day["rect"]["height"] / 2 - bar["rect"]["y"]) * scale)
            state = "major" if red in day["label"] else "partial" if orange in day["label"] else "operational"
            seen = picture.pixel(min(x, picture.width - 1), min(y, picture.height - 1))
            assert all(abs(a - b) <= 8 for a, b in zip(seen, DAY_COLOURS[state], strict=True)), (day["label"], seen)
    for cell in (bars_shown[0].find_elements("css selector", "li")[i] for i in (0, 29, 30, 59, 60, -1)):  # each third
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
        ActionChains(browser).move_to_element(cell).perform()  # a pointer over a day shows its words
        box = browser.execute_script(SHOWN_LABEL, cell)
        assert box["width"] > 40 and box["height"] > 10 and box["left"] >= 0 and box["right"] <= width, box
    home_today, search_today = bars[0]["days"][-1]["label"], bars[1]["days"][-1]["label"]
    assert home_today.startswith(today) and red in home_today, home_today
    assert search_today.startswith(today) and orange in search_today, search_today
    assert all(red not in day["label"] for day in bars[2]["days"])
    browser.get_screenshot_as_file(str(SCREENSHOTS / f"components-{language}-{size}-{backend}.png"))
    assert_accessible(browser)


def assert_accessible(browser: Any) -> None:
    """axe-core's rules (WCAG 2.x A and AA, and its best practices) on the page the browser shows."""
    from selenium_axe_python import Axe

    axe = Axe(browser)
    axe.inject()
    results = axe.run()
    assert results["violations"] == [], Axe.report(results["violations"])
    assert len(results["passes"]) > 10, "axe ran its rules"


def test_the_exported_site_opened_as_files_links_between_languages_and_feeds_and_is_accessible(
    browser: Any, site: Stack, tmp_path: Path
) -> None:
    """The page the demo saved before linked to /status?lang=fr: opened as a file, that is nowhere."""
    runtime = site.runtime
    exported = export_site(runtime.db, runtime.settings, tmp_path / "public", clock=runtime.service.clock)
    desktop = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", desktop)
    browser.get((exported.folder / exported.home).resolve().as_uri())
    assert browser.execute_script("return document.documentElement.lang") == "en"
    assert_accessible(browser)
    browser.find_element("css selector", 'nav a[hreflang="fr"]').click()
    page_becomes(browser, "location.pathname.split('/').pop()", "index.fr.html")  # the click returns before
    seen = browser.execute_script(READ_PAGE)
    assert seen["state"] == "Panne partielle" and "H2 Incidents en cours" in seen["headings"]
    browser.get_screenshot_as_file(str(SCREENSHOTS / "status-export-fr.png"))
    assert_accessible(browser)
    feed = browser.find_element("css selector", 'link[type="application/atom+xml"]').get_attribute("href")
    assert feed.startswith("file://") and Path(feed.removeprefix("file://")).is_file()


def test_subscribing_in_the_browser_without_javascript_every_page_accessible(
    browser: Any, site: Stack, inbox: tuple[Inbox, int]
) -> None:
    """Over real HTTP: the form filled and sent as a person does, the confirmation mail from a real
    SMTP server, its link opened (a page with one button), the button; axe-core on every page."""
    kept, _ = inbox
    desktop = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", desktop)
    browser.get(f"{site.url}/status?lang=fr")
    assert_accessible(browser)  # the form included
    browser.find_element("css selector", "#subscribe-email").send_keys("jane.doe@example.com")
    browser.find_element("css selector", "#subscribe-language option[value='fr']").click()
    browser.find_element("css selector", "form[action*='subscribe'] button").click()
    heading_becomes(browser, "Consultez votre boîte de réception")
    assert_accessible(browser)
    confirmation = kept.wait_for(1)
    text = str(confirmation.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    found = re.search(rf"{re.escape(PUBLIC_ADDRESS)}/confirm\?lang=fr&t=\S+", text)
    assert found, text
    browser.get(found.group(0).replace(PUBLIC_ADDRESS, f"{site.url}/status"))
    heading_becomes(browser, "Confirmez votre abonnement")
    assert_accessible(browser)
    browser.find_element("css selector", "main form button").click()
    heading_becomes(browser, "Vous êtes abonné")
    assert_accessible(browser)
    browser.get(f"{site.url}/status/confirm?t=1.forged.0.link")
    heading_becomes(browser, "This link cannot be used")
    assert_accessible(browser)


def heading_becomes(browser: Any, expected: str) -> None:
    """Wait for the page the form sent to (the click returns before it loads)."""
    page_becomes(browser, "(document.querySelector('h1') || {textContent: ''}).textContent.trim()", expected)


def page_becomes(browser: Any, reading: str, expected: str, timeout: float = 30.0) -> None:
    """Wait until the page a click or a form sent to has loaded and `reading` (a JavaScript
    expression) is `expected` in it: a click returns before the next page loads, so whatever the
    test reads next could come from the old page, or fail while the new one replaces it.

    The expression is read by a script in whatever document is loaded at that moment, once it has
    finished loading: an element found in the old page and read after the new one replaced it
    fails in chromedriver as stale or as "Node with given id does not belong to the document"
    (a plain WebDriverException), so any error while the page changes is one more try."""
    from selenium.common.exceptions import WebDriverException

    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen = browser.execute_script(f"return document.readyState === 'complete' ? ({reading}) : '';")
        except WebDriverException:
            seen = ""
        if seen == expected:
            return
        time.sleep(0.05)
    raise AssertionError(f"the page shows {seen!r} ({reading}), not {expected!r}")
