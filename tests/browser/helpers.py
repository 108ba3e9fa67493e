"""What every browser test does: sign in through the form, and check and photograph each page it reaches."""

import json
from functools import lru_cache
from typing import Any

from tests.accounts import EMAILS, NAMES, PASSWORD
from tests.browser.conftest import AXE, SCREENSHOTS, LiveServer

WIDTHS = (1400, 375)
"""Each page is photographed as a desktop and as a phone sees it."""

NARROWEST = 320
"""The width every page must fit (WCAG 2.2, reflow)."""

BLOCKING_IMPACTS = ("serious", "critical")


@lru_cache
def axe_source() -> str:
    """axe-core, from the pinned npm package."""
    return AXE.read_text(encoding="utf-8")


def sign_in(page: Any, server: LiveServer, role: str, *, email: str | None = None, password: str = PASSWORD) -> None:
    """Sign in through the form, as a person would, and land on the balances."""
    page.goto(f"{server.url}/")
    assert page.url.startswith(f"{server.url}/web/sign-in")
    page.get_by_label("Email address").fill(email or EMAILS[role])
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/web")
    if email is None:
        assert NAMES[role] in page.locator(".app-signed-in").inner_text()


def accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations of WCAG 2.2 A and AA on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}
        })"""
    )
    return [item for item in result["violations"] if item["impact"] in BLOCKING_IMPACTS]


def check(page: Any, name: str) -> None:
    """Fail on any serious or critical accessibility fault, at each width, and save a full-page screenshot of each."""
    size = page.viewport_size
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            violations = accessibility_violations(page)
            summary = [
                (item["id"], item["impact"], [node["target"] for node in item["nodes"][:3]]) for item in violations
            ]
            assert not violations, f"{name} at {width}px: {json.dumps(summary)}"
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} at {width}px is {overflow}px wider than the screen"
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        # WCAG 2.2's reflow: usable at 320 CSS pixels without scrolling sideways.
        page.set_viewport_size({"width": NARROWEST, "height": 900})
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} at {NARROWEST}px is {overflow}px wider than the screen"
    finally:
        page.set_viewport_size(size)
