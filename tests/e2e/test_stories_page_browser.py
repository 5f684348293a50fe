"""The stories page in a real browser: Debian's headless Chromium over the API process,
serving a store the seeds went into through the whole pipeline (`newswire demo`).

`make test` installs Chromium with apt where it runs as root (as CI does); elsewhere, without
/usr/bin/chromium and /usr/bin/chromedriver, the test is skipped and says why.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from tests.conftest import ROOT
from tests.helpers import free_port, wait_ready

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = ROOT / "var" / "screenshots"
# A phone's viewport (CSS pixels): the page must read there first.
PHONE = (412, 915)


def _clean_env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(changes)
    return env


@pytest.fixture(scope="module")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store holding the three seeds, enriched and put in their story by the
    services themselves (the demo runs enrich, stories and store as processes)."""
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'store.sqlite3'}"
    newswire = Path(sys.executable).parent / "newswire"
    done = subprocess.run(
        [str(newswire), "demo", "--logs", str(folder / "logs")],
        env=_clean_env(DATABASE_URL=url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "in 1 story" in done.stdout
    return url


@pytest.fixture(scope="module")
def site(seeded_database: str) -> Iterator[str]:
    """`python -m services.api` on a free port over that store; its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "services.api"],
        env=_clean_env(DATABASE_URL=seeded_database, API_PORT=str(port), HEALTH_PORT="0"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_ready(port, process, timeout_s=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    """Headless Chromium at a phone's size, driven through Debian's chromedriver."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(
            f"Chromium is not installed ({CHROMIUM}, {CHROMEDRIVER}): `make test` installs "
            "it as root (apt-get install chromium chromium-driver); elsewhere install it so"
        )
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={PHONE[0]},{PHONE[1]}")
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _json(site: str, path: str) -> Any:
    response = httpx.get(site + path, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_front_page_story_page_and_entity_page(site: str, browser: WebDriver) -> None:
    [story] = _json(site, "/stories")["items"]
    stored = {a["id"]: a for a in _json(site, "/articles")["items"]}
    assert len(stored) == 3
    assert len(story["sources"]) == 3

    browser.get(site + "/")
    assert browser.title == "Latest stories · newswire"
    [item] = browser.find_elements(By.CSS_SELECTOR, "li.story")
    headline = item.find_element(By.CSS_SELECTOR, "h2 a")
    assert headline.text == story["title"]
    assert item.find_element(By.CSS_SELECTOR, ".sources").text == ", ".join(story["sources"])
    assert item.find_element(By.CSS_SELECTOR, ".count").text == "3 articles"
    entity_names = [a.text for a in item.find_elements(By.CSS_SELECTOR, "li.entity a")]
    assert "Jens Stoltenberg" in entity_names
    assert "politics and government" in item.text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / "stories-page.png"))

    headline.click()
    assert browser.current_url == f"{site}/stories/{story['id']}/page"
    articles = browser.find_elements(By.CSS_SELECTOR, "li.article")
    assert [a.find_element(By.TAG_NAME, "h2").text for a in articles] == [
        stored[member]["title"] or "(untitled)" for member in _member_ids(site, story["id"])
    ]
    links = [a.find_element(By.CSS_SELECTOR, "a.event").get_attribute("href") for a in articles]
    assert [httpx.get(str(link), timeout=10).json()["story_id"] for link in links] == [
        story["id"]
    ] * 3
    assert browser.save_screenshot(str(SCREENSHOTS / "story-page.png"))

    browser.find_element(By.LINK_TEXT, "Jens Stoltenberg").click()
    assert browser.current_url == f"{site}/entities/PERSON:jens-stoltenberg/page"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Jens Stoltenberg"
    days = [row.text.split() for row in browser.find_elements(By.CSS_SELECTOR, "table.days tr")]
    assert days[0] == ["day", "articles", "stories"]
    assert sum(int(articles) for _, articles, _ in days[1:]) == 3  # the seeds' ingest day(s)
    assert len(browser.find_elements(By.CSS_SELECTOR, "li.article")) == 3


def _member_ids(site: str, story_id: str) -> list[str]:
    return [member["id"] for member in _json(site, f"/stories/{story_id}")["members"]]
