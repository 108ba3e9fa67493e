"""A running server with a small LLR ledger, and Debian's Chromium driven by Playwright (never a downloaded browser)."""

import importlib.util
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.browser.server import HttpApi, free_port, prepare_database, start_server
from tests.builders import agreement, contribution, event, movement
from tests.conftest import ROOT, Tokens
from tests.project_builders import allocate, project
from tests.scenario import Scenario, build, ok
from tests.web_builders import Programme, programme

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=en-GB",
]
SCREENSHOTS = ROOT / "tests" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def why_no_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "browser tests skipped: Playwright for Python is not installed (make install installs the dev extras)"
    if not AXE.exists():
        return "browser tests skipped: node_modules/axe-core is missing (make install runs npm ci)"
    if not CHROMIUM.exists():
        return "browser tests skipped: no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does this)"
    if os.environ.get("TEST_DATABASE_URL"):
        return "browser tests skipped on the PostgreSQL pass: their server has its own SQLite database (SQLite pass)"
    return None


@dataclass(frozen=True)
class LiveServer:
    """The server under test: where it is, its JSON API as each role, and the ledger's ids."""

    url: str
    api: HttpApi
    tokens: Tokens
    scenario: Scenario
    programme: Programme


def more_authorities(api: Any) -> Programme:
    """A few more authorities, so the home page looks like the real spread of money, and projects with deadlines."""
    harborough = agreement(
        api,
        local_authority_id="harborough",
        reference="17/01234/OUT",
        site="Lutterworth East",
        signed_on=date(2017, 6, 5),
    )
    premises = contribution(api, harborough["id"], purpose="premises", amount="120000.00")
    ok(event(api, premises["id"], "development_started", date(2018, 2, 1)))
    ok(movement(api, premises["id"], "received", "120000.00", date(2018, 9, 1)))
    ok(movement(api, premises["id"], "drawn", "95000.00", date(2019, 3, 1)))
    ok(movement(api, premises["id"], "spent", "64000.00", date(2019, 8, 1)))
    melton = agreement(
        api, local_authority_id="melton", reference="19/00567/OUT", site="Melton South", signed_on=date(2019, 10, 1)
    )
    contribution(api, melton["id"], purpose="vehicles", amount="46500.00")
    rutland = agreement(
        api,
        local_authority_id="rutland",
        reference="2018/0321/MAJ",
        site="St George's Barracks",
        signed_on=date(2018, 3, 1),
    )
    equipment = contribution(api, rutland["id"], purpose="equipment", amount="33750.25", trigger_type="on_completion")
    ok(event(api, equipment["id"], "trigger_met", date(2020, 5, 1)))
    ok(movement(api, equipment["id"], "received", "15000.00", date(2020, 8, 1)))
    made = programme(api)
    building = project(
        api,
        name="Lutterworth Office",
        funding="local",
        local_authority_id="harborough",
        estimate_low="60000.00",
        estimate_high="70000.00",
    )
    ok(allocate(api, building["id"], premises["id"], "56000.00"))
    return made


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the browser tests on one worker, so one server and one Chromium serve them all."""
    browser_tests = Path(__file__).parent
    for item in items:
        if browser_tests in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """uvicorn on a free port against a fresh SQLite database, filled through the API."""
    reason = why_no_browser()
    if reason:
        pytest.skip(reason)
    directory = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{directory}/web.db"
    tokens = prepare_database(url)
    port = free_port()
    process = start_server(url, port, directory / "server.log")
    base = f"http://127.0.0.1:{port}"
    api = HttpApi(base, tokens)
    try:
        scenario = build(api)
        made = more_authorities(api)
        yield LiveServer(url=base, api=api, tokens=tokens, scenario=scenario, programme=made)
    finally:
        api.client.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def browser(live_server: LiveServer) -> Iterator[Any]:
    """Debian's Chromium, headless, with no network of its own."""
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page, as a desktop screen in Britain."""
    # bypass_csp lets the tests inject axe-core; the pages' own policy is checked over HTTP.
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="en-GB", accept_downloads=True, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(params=["officer", "finance", "planning"])
def signed_in(request: pytest.FixtureRequest, page: Any, live_server: LiveServer) -> tuple[Any, str]:
    """A page signed in through the sign-in form, once as each role; gives the page and the role."""
    from tests.browser.helpers import sign_in

    sign_in(page, live_server, request.param)
    return page, request.param
