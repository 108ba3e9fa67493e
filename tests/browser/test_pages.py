"""The web view in a real browser: sign in per role, read each page's figures against the API, download, screenshot."""

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from app.web.tables import AUTHORITY_COLUMNS
from tests.browser.conftest import SCREENSHOTS, LiveServer
from tests.browser.helpers import check, sign_in
from tests.pages import pounds

ROLES = ("officer", "finance", "planning")

READ_ROWS = """rows => Object.fromEntries(rows.map(row => [
  Object.entries(row.dataset).map(([name, value]) => name + ':' + value)[0],
  Object.fromEntries(
    [...row.querySelectorAll('td[data-field]')].map(cell => [cell.dataset.field, cell.textContent.trim()])
  )
]))"""


def table(page: Any, table_id: str) -> dict[str, dict[str, str]]:
    """The figures of a table on the page, keyed like 'key:blaby' or 'contribution:3'."""
    rows: dict[str, dict[str, str]] = page.eval_on_selector_all(
        f"#{table_id} tr[data-key], #{table_id} tr[data-agreement], #{table_id} tr[data-contribution]", READ_ROWS
    )
    return rows


def shoot(page: Any, name: str) -> None:
    """Check the page with axe-core and save its screenshots at each width."""
    check(page, name)


MONEY_OF_PROJECTS = ("identified", "requested", "received", "spent")


def assert_panel_matches(page: Any, expected: dict[str, Any]) -> None:
    """The home page's Panel table holds the report's rows and figures."""
    shown = table(page, "panel")
    assert set(shown) == {f"key:{row['local_authority_id']}" for row in expected["rows"]} | {"key:total"}
    for row in [*expected["rows"], {**expected["total"], "local_authority_id": "total"}]:
        cells = shown[f"key:{row['local_authority_id']}"]
        for column in expected["columns"]:
            value = row["values"][column["key"]]
            if column["money"]:
                assert pounds(cells[column["key"]]) == Decimal(value), (row["local_authority_id"], column["key"])
            else:
                assert int(cells[column["key"]]) == value


def assert_same_money(shown: dict[str, str], expected: dict[str, Any], where: str) -> None:
    """Every money column of a shown row equals the API's figure."""
    for column in AUTHORITY_COLUMNS[1:]:
        assert pounds(shown[column.field]) == Decimal(expected[column.field]), (where, column.field)


@pytest.mark.parametrize("role", ROLES)
class TestPagesPerRole:
    def test_home_shows_the_panel_report_in_both_layouts(self, page: Any, live_server: LiveServer, role: str) -> None:
        sign_in(page, live_server, role)
        assert_panel_matches(page, live_server.api.get("/reports/panel", role=role).json())
        balances = live_server.api.get("/balances", role=role, params={"group_by": "local_authority"}).json()
        holding = [row for row in balances["rows"] if row["total_value"] != "0.00"]
        assert page.locator("svg.bar-chart g.bar").count() == len(holding)
        shoot(page, f"home-{role}")
        page.get_by_label("Layout").select_option("2021")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**/web?as_at=*&layout=2021")
        assert_panel_matches(page, live_server.api.get("/reports/panel", role=role, params={"layout": "2021"}).json())
        shoot(page, f"home-2021-{role}")

    def test_as_at_an_earlier_date(self, page: Any, live_server: LiveServer, role: str) -> None:
        sign_in(page, live_server, role)
        page.get_by_label("Figures as at").fill("2020-03-31")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**/web?as_at=2020-03-31&layout=2024")
        expected = live_server.api.get("/reports/panel", role=role, params={"as_at": "2020-03-31"}).json()
        assert_panel_matches(page, expected)
        assert page.get_by_role("heading", level=1).inner_text() == "Developer contributions by local authority"
        assert "as at 31 Mar 2020" in page.locator("caption").first.inner_text()

    def test_projects_page(self, page: Any, live_server: LiveServer, role: str) -> None:
        sign_in(page, live_server, role)
        page.get_by_role("link", name="Projects").click()
        page.wait_for_url("**/web/projects")
        shown = table(page, "projects")
        listed = live_server.api.get("/projects", role=role).json()["items"]
        assert len([key for key in shown if key.count("-") == 1]) == len(listed)
        for item in listed:
            cells = shown[f"key:project-{item['id']}"]
            for field in MONEY_OF_PROJECTS:
                assert pounds(cells[field]) == Decimal(item["totals"][field]), (item["name"], field)
            if item["gap"] is not None:
                assert pounds(cells["gap"]) == Decimal(item["gap"])
            for part in item["by_authority"]:
                cells = shown[f"key:project-{item['id']}-{part['local_authority_id']}"]
                for field in MONEY_OF_PROJECTS:
                    assert pounds(cells[field]) == Decimal(part[field]), (item["name"], part["local_authority_id"])
        shoot(page, f"projects-{role}")

    def test_deadlines_page(self, page: Any, live_server: LiveServer, role: str) -> None:
        sign_in(page, live_server, role)
        page.get_by_role("link", name="Deadlines").click()
        page.wait_for_url("**/web/deadlines")
        report = live_server.api.get("/deadlines", role=role).json()
        shown = table(page, "deadlines")
        assert [key for key in shown if key != "key:total"] == [
            f"key:receipt-{item['receipt_movement_id']}" for item in report["items"]
        ]
        for item in report["items"]:
            assert pounds(shown[f"key:receipt-{item['receipt_movement_id']}"]["unspent"]) == Decimal(item["unspent"])
        assert pounds(shown["key:total"]["unspent"]) == Decimal(report["total_unspent"])
        shoot(page, f"deadlines-{role}")

    def test_authority_page(self, page: Any, live_server: LiveServer, role: str) -> None:
        sign_in(page, live_server, role)
        page.get_by_role("link", name="Blaby", exact=True).click()
        page.wait_for_url("**/web/local-authorities/blaby")
        assert page.get_by_role("heading", level=1).inner_text() == "Blaby District Council"
        assert "In arrears, against invoices for completed work" in page.locator("#release-rules").inner_text()
        shown = table(page, "agreements")
        for row in live_server.api.get(
            "/balances", role=role, params={"group_by": "agreement", "local_authority": "blaby"}
        ).json()["rows"]:
            assert_same_money(shown[f"agreement:{row['key']}"], row, f"agreement {row['key']}")
        for row in live_server.api.get(
            "/balances", role=role, params={"group_by": "contribution", "local_authority": "blaby"}
        ).json()["rows"]:
            assert_same_money(shown[f"contribution:{row['key']}"], row, f"contribution {row['key']}")
        shoot(page, f"authority-{role}")

    def test_agreement_page(self, page: Any, live_server: LiveServer, role: str) -> None:
        sign_in(page, live_server, role)
        page.goto(f"{live_server.url}/web/local-authorities/blaby")
        page.get_by_role("link", name="19/0001/OUT").click()
        agreement_id = live_server.scenario.blaby_agreement
        page.wait_for_url(f"**/web/agreements/{agreement_id}")
        shown = table(page, "contributions")
        listed = live_server.api.get(f"/agreements/{agreement_id}/contributions", role=role).json()["items"]
        for item in listed:
            assert_same_money(shown[f"contribution:{item['id']}"], item["balances"], f"contribution {item['id']}")
        history = page.locator("#history tbody tr")
        movements = live_server.api.get("/movements", role=role, params={"agreement_id": agreement_id}).json()
        events = sum(
            len(live_server.api.get(f"/contributions/{item['id']}/events", role=role).json()) for item in listed
        )
        assert history.count() == movements["total"] + events
        reversal = page.locator("#history tr.app-reversal")
        assert reversal.count() == 1
        assert "\u2212£1,000.00" in reversal.inner_text()
        shoot(page, f"agreement-{role}")


class TestDownload:
    @pytest.mark.parametrize("layout", ["2021", "2024"])
    def test_the_xlsx_is_the_report_services(
        self, page: Any, live_server: LiveServer, tmp_path: Path, layout: str
    ) -> None:
        sign_in(page, live_server, "finance")
        page.goto(f"{live_server.url}/web?layout={layout}")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Excel spreadsheet (XLSX)").click()
        download = download_info.value
        assert download.suggested_filename.startswith(f"panel-{layout}-as-at-")
        assert download.suggested_filename.endswith(".xlsx")
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        ours = list(load_workbook(saved).active.iter_rows(values_only=True))
        served = live_server.api.get("/reports/panel", role="finance", params={"layout": layout, "format": "xlsx"})
        assert ours == list(load_workbook(io.BytesIO(served.content)).active.iter_rows(values_only=True))
        expected = live_server.api.get("/reports/panel", role="finance", params={"layout": layout}).json()
        body = {row[0]: row[1:] for row in ours[4:-1]}
        for row in expected["rows"]:
            for cell, column in zip(body[row["local_authority"]], expected["columns"], strict=True):
                assert Decimal(str(cell)) == Decimal(str(row["values"][column["key"]])), (
                    row["local_authority"],
                    column,
                )
        # The Total row is SUM formulas over the rows, and those rows add up to the report's total.
        assert ours[-1][0] == "Total"
        assert all(str(cell).startswith("=SUM(") for cell in ours[-1][1:])
        for index, column in enumerate(expected["columns"]):
            added = sum(Decimal(str(row[index])) for row in body.values())
            assert added == Decimal(str(expected["total"]["values"][column["key"]])), column


class TestPlanningScope:
    def test_another_authority_is_a_404_page(self, page: Any, live_server: LiveServer) -> None:
        sign_in(page, live_server, "planning")
        assert page.locator("#panel tbody tr").count() == 1
        assert "Charnwood" not in page.content()
        for path in ("/web/projects", "/web/deadlines", "/web?layout=2021"):
            page.goto(f"{live_server.url}{path}")
            assert "Charnwood" not in page.content()
            assert "Harborough" not in page.content()
        page.goto(f"{live_server.url}/web/projects")
        shown = table(page, "projects")
        cameras = live_server.programme.cameras
        # Other browser tests share the server and may add Blaby projects; every row must still be Blaby's.
        assert {f"key:project-{cameras}", f"key:project-{cameras}-blaby", "key:total"} <= set(shown)
        projects = {key.removesuffix("-blaby") for key in shown if key != "key:total"}
        assert {f"{key}-blaby" for key in projects} <= set(shown), shown
        assert f"key:project-{live_server.programme.loughborough}" not in shown
        response = page.goto(f"{live_server.url}/web/local-authorities/charnwood")
        assert response.status == 404
        assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
        assert "Charnwood" not in page.content()
        shoot(page, "not-found-planning")
        response = page.goto(f"{live_server.url}/web/agreements/{live_server.scenario.charnwood_agreement}")
        assert response.status == 404
        assert "P/18/1234/2" not in page.content()


class TestPrint:
    def test_the_print_layout_drops_the_controls(self, page: Any, live_server: LiveServer) -> None:
        sign_in(page, live_server, "officer")
        assert page.locator(".app-print-only").is_hidden()
        page.emulate_media(media="print")
        assert page.locator("form.app-as-at").is_hidden()
        assert page.locator(".app-downloads").is_hidden()
        assert page.locator(".govuk-service-navigation").is_hidden()
        assert page.locator("#panel").is_visible()
        assert page.locator(".app-print-only").inner_text().startswith("Printed by Sam Officer on ")
        page.screenshot(path=str(SCREENSHOTS / "home-print.png"), full_page=True)
        page.goto(f"{live_server.url}/web/local-authorities/blaby")
        assert page.locator("#agreements").is_visible()
        page.screenshot(path=str(SCREENSHOTS / "authority-print.png"), full_page=True)
        page.goto(f"{live_server.url}/web?layout=2021")
        assert page.locator("#panel").is_visible()
        page.screenshot(path=str(SCREENSHOTS / "home-2021-print.png"), full_page=True)
        page.goto(f"{live_server.url}/web/deadlines")
        assert page.locator("form.app-as-at").is_hidden()
        page.screenshot(path=str(SCREENSHOTS / "deadlines-print.png"), full_page=True)
