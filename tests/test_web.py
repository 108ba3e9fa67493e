"""The web view through HTTP: signing in and out, the cookie's limits, every page's figures against the API."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.auth.sessions import id_hash
from app.models import AccountSession
from app.web.charts import nice_step, stacked_bars
from app.web.formatting import day, money, whole_pounds
from app.web.tables import AUTHORITY_COLUMNS
from tests.accounts import EMAILS, PASSWORD, make_accounts, post_form
from tests.accounts import sign_in as account_sign_in
from tests.builders import balances, movement
from tests.pages import figures, key_figures, pounds
from tests.scenario import Scenario, build
from tests.web_builders import programme

ROLES = ("officer", "finance", "planning")


@pytest.fixture(autouse=True)
def accounts(api, session) -> dict[str, int]:
    """One account per role beside the API's tokens; the planning officer's is at Blaby."""
    return make_accounts(session)


def sign_in(api, role: str, next_path: str = "/web"):
    """Post the sign-in form with a role's email address and password; the client keeps the session cookie."""
    return account_sign_in(api.client, role, next_path=next_path)


def page(api, path: str, **params):
    """GET a page with the cookie only (no bearer header)."""
    return api.get(path, role=None, params=params, follow_redirects=False)


@pytest.fixture
def ledger(api) -> Scenario:
    """The scenario's ledger, recorded through the API."""
    return build(api)


class TestSignIn:
    def test_sign_in_keeps_a_random_session_id_in_an_http_only_lax_cookie(self, api, session) -> None:
        response = sign_in(api, "finance", "/web/local-authorities/blaby")
        assert response.status_code == 303
        assert response.headers["location"] == "/web/local-authorities/blaby"
        cookie = response.headers["set-cookie"]
        value = cookie.split(";")[0].split("=", 1)[1]
        assert cookie.startswith("s106_session=")
        assert len(value) >= 40 and PASSWORD not in cookie and EMAILS["finance"] not in cookie
        assert session.scalar(select(AccountSession.id).where(AccountSession.id_hash == id_hash(value)))
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Path=/" in cookie
        assert "Max-Age" not in cookie and "expires" not in cookie.lower()  # ends with the browser
        assert "Secure" not in cookie  # served over plain http here
        home = page(api, "/web")
        assert home.status_code == 200
        assert "Fran Finance" in home.text
        assert "Finance" in home.text

    def test_each_sign_in_gets_a_new_session(self, api) -> None:
        first = sign_in(api, "officer").cookies["s106_session"]
        second = sign_in(api, "officer").cookies["s106_session"]
        assert first != second
        api.client.cookies.set("s106_session", first)
        assert page(api, "/web").status_code == 303  # the earlier session was ended by signing in again

    def test_over_https_the_cookie_is_secure(self, api) -> None:
        response = api.client.post(
            "https://testserver/web/sign-in",
            data={"email": EMAILS["officer"], "password": PASSWORD},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert "Secure" in response.headers["set-cookie"]

    def test_the_stylesheets_are_served_by_the_app(self, api) -> None:
        response = api.get("/web/static/s106.css", role=None)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/css")
        assert "@media print" in response.text
        govuk = api.get("/web/govuk/govuk-frontend.min.css", role=None)
        assert govuk.status_code == 200
        assert ".govuk-table" in govuk.text
        assert "@font-face" not in govuk.text  # GOV.UK's typeface is not ours to use
        script = api.get("/web/govuk/govuk-frontend.min.js", role=None)
        assert script.status_code == 200 and "initAll" in script.text

    def test_a_wrong_password_is_refused_with_a_message_and_no_cookie(self, api) -> None:
        wrong = account_sign_in(api.client, "officer", password="not the password")
        assert wrong.status_code == 422
        assert "set-cookie" not in wrong.headers
        assert "Enter a correct email address and password" in wrong.text
        assert f'value="{EMAILS["officer"]}"' in wrong.text  # what was typed is kept
        unknown = account_sign_in(api.client, email="nobody@police.example")
        assert unknown.status_code == 422
        assert "Enter a correct email address and password" in unknown.text
        empty = api.client.post("/web/sign-in", data={"email": " ", "password": ""}, follow_redirects=False)
        assert empty.status_code == 422
        assert "Enter your email address" in empty.text and "Enter your password" in empty.text

    def test_the_email_address_is_not_case_sensitive(self, api) -> None:
        response = account_sign_in(api.client, email="  Officer@Police.EXAMPLE ")
        assert response.status_code == 303

    @pytest.mark.parametrize("target", ["https://example.com/", "//example.com/web", "/docs", "/web\\..\\x"])
    def test_it_returns_only_to_a_page_of_the_web_view(self, api, target: str) -> None:
        response = sign_in(api, "officer", target)
        assert response.status_code == 303
        assert response.headers["location"] == "/web"

    def test_a_sign_in_posted_from_another_site_is_refused(self, api) -> None:
        response = api.client.post(
            "/web/sign-in",
            data={"email": EMAILS["officer"], "password": PASSWORD},
            headers={"Origin": "https://elsewhere.example"},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert "set-cookie" not in response.headers

    def test_pages_send_a_signed_out_visitor_to_sign_in_and_back(self, api) -> None:
        response = page(api, "/web/agreements/7", as_at="2021-01-01")
        assert response.status_code == 303
        assert response.headers["location"] == "/web/sign-in?next=%2Fweb%2Fagreements%2F7%3Fas_at%3D2021-01-01"
        form = api.get(response.headers["location"], role=None)
        assert form.status_code == 200
        assert 'value="/web/agreements/7?as_at=2021-01-01"' in form.text

    def test_pages_do_not_take_bearer_tokens(self, api) -> None:
        assert api.get("/web", role="officer", follow_redirects=False).status_code == 303

    def test_root_leads_to_the_web_view(self, api) -> None:
        response = api.get("/", role=None, follow_redirects=False)
        assert response.status_code == 307
        assert response.headers["location"] == "/web"

    def test_sign_out_ends_the_session_for_real(self, api, session) -> None:
        sign_in(api, "officer")
        value = api.client.cookies["s106_session"]
        assert page(api, "/web").status_code == 200
        response = post_form(api.client, "/web/sign-out")
        assert response.status_code == 303
        assert response.headers["location"] == "/web/sign-in"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith('s106_session="";') or cookie.startswith("s106_session=;")
        assert "Max-Age=0" in cookie
        assert page(api, "/web").status_code == 303
        assert session.scalar(select(AccountSession.id).where(AccountSession.id_hash == id_hash(value))) is None
        api.client.cookies.set("s106_session", value)  # a copy of the cookie kept elsewhere names nothing now
        assert page(api, "/web").status_code == 303
        assert api.get("/agreements", role=None).status_code == 401

    def test_sign_out_without_the_csrf_token_is_refused(self, api) -> None:
        sign_in(api, "officer")
        refused = api.client.post("/web/sign-out", data={}, follow_redirects=False)
        assert refused.status_code == 403
        assert page(api, "/web").status_code == 200

    def test_a_session_idle_too_long_has_ended(self, api, session) -> None:
        sign_in(api, "planning")
        value = api.client.cookies["s106_session"]
        row = session.scalar(select(AccountSession).where(AccountSession.id_hash == id_hash(value)))
        assert row is not None
        row.last_seen_at = datetime.now(UTC) - timedelta(minutes=31)
        session.commit()
        assert page(api, "/web").headers["location"] == "/web/sign-in?next=%2Fweb"


class TestCookieOnlyReads:
    def test_the_session_reads_the_api(self, api, ledger: Scenario) -> None:
        sign_in(api, "officer")
        response = api.get(f"/agreements/{ledger.blaby_agreement}", role=None)
        assert response.status_code == 200
        assert response.json()["reference"] == "19/0001/OUT"

    def test_the_session_cannot_write_through_the_api(self, api) -> None:
        sign_in(api, "officer")
        body = {"local_authority_id": "blaby", "reference": "X/1", "site": "A field", "signed_on": "2020-01-01"}
        refused = api.post("/agreements", role=None, json=body)
        assert refused.status_code == 401
        assert "Bearer" in refused.json()["detail"]
        assert api.get("/agreements", params={"reference": "X/1"}).json()["total"] == 0
        assert api.patch("/local-authorities/blaby", role=None, json={"release_notes": "x"}).status_code == 401
        assert api.post("/agreements", json=body).status_code == 201  # the bearer header still writes


def panel(api, role: str, **params) -> dict:
    """The Panel report from the API, as a role."""
    response = api.get("/reports/panel", role=role, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def assert_panel_shown(shown: dict[str, dict[str, str]], expected: dict) -> None:
    """Every row and cell of the page's Panel table equals the API's report."""
    assert set(shown) == {f"key:{row['local_authority_id']}" for row in expected["rows"]} | {"key:total"}
    for row in [*expected["rows"], {**expected["total"], "local_authority_id": "total"}]:
        cells = shown[f"key:{row['local_authority_id']}"]
        for column in expected["columns"]:
            value = row["values"][column["key"]]
            if column["money"]:
                assert pounds(cells[column["key"]]) == Decimal(value), (row["local_authority_id"], column["key"])
            else:
                assert int(cells[column["key"]]) == value


class TestHome:
    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("layout", ["2021", "2024"])
    def test_every_role_sees_the_panel_report_in_either_layout(
        self, api, ledger: Scenario, role: str, layout: str
    ) -> None:
        sign_in(api, role)
        response = page(api, "/web", as_at="2021-12-31", layout=layout)
        assert response.status_code == 200
        assert "no-store" in response.headers["cache-control"]
        assert_panel_shown(figures(response.text, "panel"), panel(api, role, as_at="2021-12-31", layout=layout))

    def test_the_2024_layout_is_the_default_and_counts_open_agreements(self, api, ledger: Scenario) -> None:
        sign_in(api, "officer")
        text = page(api, "/web", as_at="2021-12-31").text
        shown = figures(text, "panel")
        assert "S106 open agreements by local authority as at 31 Dec 2021" in text
        assert shown["key:blaby"]["total_value_of_agreements"] == "£87,346.17"
        assert shown["key:blaby"]["money_held_by_developers"] == "£32,345.67"
        assert shown["key:blaby"]["money_held_by_local_authority"] == "£25,000.50"
        assert shown["key:charnwood"]["total_money_drawn_down"] == "£25,000.00"
        assert shown["key:total"]["total_value_of_agreements"] == "£167,346.17"
        assert shown["key:total"]["total_funds_remaining"] == "£108,346.17"
        for key in ("money_held_by_developers", "total_money_spent", "total_funds_remaining"):
            assert f'<dd data-field="{key}">{shown["key:total"][key]}</dd>' in text

    def test_the_2021_layout_splits_held_money_by_purpose(self, api, ledger: Scenario) -> None:
        sign_in(api, "officer")
        text = page(api, "/web", as_at="2021-12-31", layout="2021").text
        shown = figures(text, "panel")
        assert "S106 Agreements as at 31 Dec 2021" in text
        assert 'scope="colgroup" colspan="8">Amount held by local authorities</th>' in text
        assert shown["key:blaby"]["held_by_local_authority"] == "25,000.50"
        assert shown["key:blaby"]["may_not_be_released_trigger_point"] == "20,000.00"
        assert shown["key:total"]["number_of_agreements"] == "3"

    def test_a_planning_officer_sees_only_their_authority(self, api, ledger: Scenario) -> None:
        sign_in(api, "planning")
        response = page(api, "/web", as_at="2021-12-31")
        assert set(figures(response.text, "panel")) == {"key:blaby", "key:total"}
        assert "Charnwood" not in response.text
        assert "Planning officer, Blaby District Council" in response.text

    @pytest.mark.parametrize(
        ("layout", "parts"),
        [
            (
                "2024",
                (
                    "project_not_yet_started",
                    "money_held_by_developers",
                    "money_held_by_local_authority",
                    "total_money_drawn_down",
                ),
            ),
            (
                "2021",
                (
                    "not_yet_released_by_developers",
                    "may_not_be_released_trigger_point",
                    "held_by_local_authority",
                    "drawn_down_by_force",
                ),
            ),
        ],
    )
    def test_the_key_figures_add_up_to_the_total(self, api, ledger: Scenario, layout: str, parts: tuple) -> None:
        sign_in(api, "officer")
        shown, _ = key_figures(page(api, "/web", as_at="2021-12-31", layout=layout).text)
        assert shown["total_value_of_agreements"] == Decimal("167346.17")
        assert sum(shown[part] for part in parts) == shown["total_value_of_agreements"]

    def test_figures_as_at_an_earlier_date(self, api, ledger: Scenario) -> None:
        sign_in(api, "finance")
        shown = figures(page(api, "/web", as_at="2019-12-31").text, "panel")
        assert shown["key:blaby"]["project_not_yet_started"] == "£75,000.50"
        assert shown["key:blaby"]["open_agreements"] == "1"
        assert shown["key:charnwood"]["money_held_by_local_authority"] == "£80,000.00"

    def test_the_chart_draws_each_authority_to_scale(self, api, ledger: Scenario) -> None:
        sign_in(api, "officer")
        text = page(api, "/web", as_at="2021-12-31").text
        assert '<svg class="bar-chart"' in text
        assert 'aria-labelledby="chart-title chart-desc"' in text
        assert "<title>Blaby District Council: at risk, £20,000.00</title>" in text
        assert "<title>Charnwood Borough Council: spent, £20,000.00</title>" in text
        # The scale runs to £100k over 1200 units, so Charnwood's £55,000 held is 660 units wide.
        assert 'width="660.0" height="24"><title>Charnwood Borough Council: held by the authority' in text

    @pytest.mark.parametrize("query", [{"as_at": "31/02/2021"}, {"as_at": "end of 2021"}, {"layout": "2022"}])
    def test_a_bad_date_or_layout_is_a_page_saying_so(self, api, query: dict[str, str]) -> None:
        sign_in(api, "officer")
        response = page(api, "/web", **query)
        assert response.status_code == 400
        assert "There is a problem with the address" in response.text
        assert next(iter(query)).replace("_", " ") in response.text
        assert "pydantic" not in response.text and "YYYY-MM-DD" not in response.text
        if query.get("as_at") == "31/02/2021":
            assert "enter a real date as day/month/year" in response.text

    def test_a_date_typed_day_first_is_the_same_date(self, api, ledger: Scenario) -> None:
        sign_in(api, "officer")
        typed = page(api, "/web", as_at="31/12/2021")
        assert typed.status_code == 200
        assert 'value="31/12/2021"' in typed.text
        assert figures(typed.text, "panel") == figures(page(api, "/web", as_at="2021-12-31").text, "panel")


class TestDownloads:
    @pytest.mark.parametrize("layout", ["2021", "2024"])
    @pytest.mark.parametrize("role", ["finance", "planning"])
    def test_csv_and_xlsx_are_the_report_services_files(self, api, ledger: Scenario, role: str, layout: str) -> None:
        sign_in(api, role)
        for extension in ("csv", "xlsx"):
            response = page(api, f"/web/panel.{extension}", as_at="2021-12-31", layout=layout)
            assert response.status_code == 200
            filename = f"panel-{layout}-as-at-2021-12-31.{extension}"
            assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
            served = api.get(
                "/reports/panel", role=role, params={"as_at": "2021-12-31", "layout": layout, "format": extension}
            )
            assert response.headers["content-type"] == served.headers["content-type"]
            if extension == "csv":
                assert response.text == served.text
            else:
                ours = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
                theirs = list(load_workbook(io.BytesIO(served.content)).active.iter_rows(values_only=True))
                assert ours == theirs

    def test_the_planning_officers_csv_is_their_row_and_its_total(self, api, ledger: Scenario) -> None:
        sign_in(api, "planning")
        rows = list(csv.reader(io.StringIO(page(api, "/web/panel.csv", as_at="2021-12-31").text)))
        assert [row[0] for row in rows] == ["local_authority", "Blaby", "Total"]
        assert rows[1][1:] == rows[2][1:]
        assert rows[1][2] == "87346.17"

    def test_downloads_need_a_signed_in_viewer(self, api) -> None:
        assert page(api, "/web/panel.xlsx").status_code == 303


class TestProjectsPage:
    @pytest.mark.parametrize("role", ROLES)
    def test_each_project_and_authority_matches_the_api(self, api, ledger: Scenario, role: str) -> None:
        made = programme(api)
        sign_in(api, role)
        shown = figures(page(api, "/web/projects").text, "projects")
        listed = api.get("/projects", role=role).json()["items"]
        expected_keys = {f"key:project-{item['id']}" for item in listed}
        expected_keys |= {
            f"key:project-{item['id']}-{part['local_authority_id']}" for item in listed for part in item["by_authority"]
        }
        assert set(shown) == expected_keys | {"key:total"}
        for item in listed:
            cells = shown[f"key:project-{item['id']}"]
            for field in ("identified", "requested", "received", "spent"):
                assert pounds(cells[field]) == Decimal(item["totals"][field]), (item["name"], field)
            for part in item["by_authority"]:
                cells = shown[f"key:project-{item['id']}-{part['local_authority_id']}"]
                for field in ("identified", "requested", "received", "spent"):
                    assert pounds(cells[field]) == Decimal(part[field])
        if role == "planning":
            assert {item["id"] for item in listed} == {made.cameras}
            assert shown[f"key:project-{made.cameras}"]["gap"] == "–"
        else:
            assert {item["id"] for item in listed} == {made.cameras, made.loughborough}
            assert pounds(shown[f"key:project-{made.cameras}"]["gap"]) == Decimal(
                next(item["gap"] for item in listed if item["id"] == made.cameras)
            )

    def test_the_officer_sees_the_estimate_range_money_and_gap(self, api, ledger: Scenario) -> None:
        made = programme(api)
        sign_in(api, "officer")
        shown = figures(page(api, "/web/projects").text, "projects")
        cameras = shown[f"key:project-{made.cameras}"]
        assert cameras == {
            "estimate": "£90,000.00 to £110,000.00",
            "identified": "£80,000.00",
            "requested": "£50,000.00",
            "received": "£20,000.00",
            "spent": "£15,000.00",
            "gap": "£30,000.00",
        }
        assert shown[f"key:project-{made.cameras}-blaby"]["identified"] == "£30,000.00"
        assert shown[f"key:project-{made.cameras}-charnwood"]["received"] == "£20,000.00"
        assert shown[f"key:project-{made.loughborough}"]["estimate"] == "£25,000.00"
        assert shown["key:total"]["gap"] == "£55,000.00"

    def test_a_planning_officer_sees_only_their_authoritys_part(self, api, ledger: Scenario) -> None:
        made = programme(api)
        sign_in(api, "planning")
        text = page(api, "/web/projects").text
        shown = figures(text, "projects")
        assert set(shown) == {f"key:project-{made.cameras}", f"key:project-{made.cameras}-blaby", "key:total"}
        assert shown[f"key:project-{made.cameras}"]["identified"] == "£30,000.00"
        assert shown[f"key:project-{made.cameras}"]["received"] == "£0.00"
        assert "Charnwood" not in text
        assert "Loughborough" not in text

    def test_filters_by_stage_and_authority_as_the_api_does(self, api, ledger: Scenario) -> None:
        made = programme(api)
        sign_in(api, "finance")
        upcoming = figures(page(api, "/web/projects", stage="upcoming").text, "projects")
        assert set(upcoming) == {f"key:project-{made.loughborough}", "key:total"}
        blaby = page(api, "/web/projects", local_authority="blaby").text
        listed = api.get("/projects", params={"local_authority": "blaby"}).json()["items"]
        assert [item["id"] for item in listed] == [made.cameras]
        assert {key for key in figures(blaby, "projects") if key.count("-") == 1} == {f"key:project-{made.cameras}"}
        assert '<option value="blaby" selected>' in blaby

    def test_a_planning_officer_cannot_choose_another_authority(self, api, ledger: Scenario) -> None:
        made = programme(api)
        sign_in(api, "planning")
        text = page(api, "/web/projects", local_authority="charnwood").text
        assert {key for key in figures(text, "projects") if key.count("-") == 1} == {f"key:project-{made.cameras}"}
        assert "Charnwood" not in text
        assert 'id="local_authority"' not in text


class TestDeadlinesPage:
    @pytest.mark.parametrize("role", ROLES)
    def test_money_at_risk_soonest_first_as_the_api_lists_it(self, api, ledger: Scenario, role: str) -> None:
        programme(api)
        sign_in(api, role)
        text = page(api, "/web/deadlines").text
        shown = figures(text, "deadlines")
        report = api.get("/deadlines", role=role).json()
        keys = [f"key:receipt-{item['receipt_movement_id']}" for item in report["items"]]
        assert [key for key in shown if key != "key:total"] == keys
        for item in report["items"]:
            cells = shown[f"key:receipt-{item['receipt_movement_id']}"]
            assert pounds(cells["unspent"]) == Decimal(item["unspent"])
            assert pounds(cells["received"].split("on")[0]) == Decimal(item["received"])
            assert f'data-days-left="{item["days_left"]}"' in text
        assert pounds(shown["key:total"]["unspent"]) == Decimal(report["total_unspent"])

    def test_the_overdue_receipt_comes_first_and_the_spent_part_is_not_at_risk(self, api, ledger: Scenario) -> None:
        made = programme(api)
        sign_in(api, "officer")
        text = page(api, "/web/deadlines").text
        shown = list(figures(text, "deadlines").values())
        assert [row["unspent"] for row in shown] == ["£40,000.00", "£45,000.00", "£85,000.00"]
        overdue = api.get("/deadlines").json()["items"][0]
        assert overdue["receipt_movement_id"] == made.blaby_receipt
        assert f"Passed {-overdue['days_left']} days ago" in text
        assert f"contribution {made.blaby_contribution}" in text
        assert '<div class="app-warning"><dt>Past its deadline</dt><dd>£40,000.00</dd></div>' in text

    def test_a_planning_officer_sees_only_their_authoritys_receipts(self, api, ledger: Scenario) -> None:
        made = programme(api)
        sign_in(api, "planning")
        text = page(api, "/web/deadlines").text
        assert list(figures(text, "deadlines")) == [f"key:receipt-{made.blaby_receipt}", "key:total"]
        assert "Charnwood" not in text

    def test_a_shorter_window_leaves_out_later_deadlines(self, api, ledger: Scenario) -> None:
        programme(api)
        sign_in(api, "finance")
        shown = figures(page(api, "/web/deadlines", within_days=90).text, "deadlines")
        assert shown["key:total"]["unspent"] == "£40,000.00"


class TestAuthorityPage:
    @pytest.mark.parametrize("role", ROLES)
    def test_release_rules_agreements_and_contributions(self, api, ledger: Scenario, role: str) -> None:
        sign_in(api, role)
        response = page(api, "/web/local-authorities/blaby", as_at="2021-12-31")
        assert response.status_code == 200
        text = response.text
        assert "In arrears, against invoices for completed work" in text
        assert "<li>Invoices for completed work</li>" in text
        assert "Releases funds only when the project is complete and invoiced." in text
        shown = figures(text, "agreements")
        api_rows = balances(api, group_by="agreement", local_authority="blaby", as_at="2021-12-31")["rows"]
        assert {key for key in shown if key.startswith("agreement:")} == {f"agreement:{row['key']}" for row in api_rows}
        for row in api_rows:
            for column in AUTHORITY_COLUMNS[1:]:
                assert pounds(shown[f"agreement:{row['key']}"][column.field]) == Decimal(row[column.field])
        contributions = balances(api, group_by="contribution", local_authority="blaby", as_at="2021-12-31")["rows"]
        assert len([key for key in shown if key.startswith("contribution:")]) == len(contributions) == 4
        for row in contributions:
            assert pounds(shown[f"contribution:{row['key']}"]["remaining"]) == Decimal(row["remaining"])
        assert '<span class="govuk-tag app-tag-stage-at_risk">At risk</span>' in text

    def test_the_key_figures_add_up_to_the_total_including_money_returned(self, api, ledger: Scenario) -> None:
        area = api.get("/contributions", params={"local_authority": "charnwood"}).json()["items"][0]
        assert movement(api, area["id"], "returned", "1000.00", "2021-01-01").status_code == 201
        sign_in(api, "officer")
        shown, parts = key_figures(page(api, "/web/local-authorities/charnwood", as_at="2021-12-31").text)
        assert parts == ["held_by_developer", "at_risk", "held_by_local_authority", "drawn", "returned"]
        assert (shown["total_value"], shown["returned"]) == (Decimal("80000.00"), Decimal("1000.00"))
        assert sum(shown[part] for part in parts) == shown["total_value"]

    def test_an_agreement_signed_after_the_date_is_not_listed(self, api, ledger: Scenario) -> None:
        sign_in(api, "officer")
        shown = figures(page(api, "/web/local-authorities/blaby", as_at="2020-01-01").text, "agreements")
        assert f"agreement:{ledger.blaby_agreement}" in shown
        assert f"agreement:{ledger.blaby_second_agreement}" not in shown

    def test_a_planning_officer_gets_a_404_page_for_another_authority(self, api, ledger: Scenario) -> None:
        sign_in(api, "planning")
        response = page(api, "/web/local-authorities/charnwood")
        assert response.status_code == 404
        assert "Page not found" in response.text
        assert "Signed in as <strong>Pat Planner</strong>" in response.text
        assert "Charnwood" not in response.text
        assert page(api, "/web/local-authorities/charnwood").text == page(api, "/web/local-authorities/nowhere").text

    def test_agreements_are_paged(self, api) -> None:
        from tests.builders import agreement

        for number in range(51):
            agreement(api, reference=f"21/{number:04d}/OUT")
        sign_in(api, "officer")
        first = page(api, "/web/local-authorities/blaby")
        assert "page 1 of 2" in first.text
        assert len([key for key in figures(first.text, "agreements") if key.startswith("agreement:")]) == 50
        assert "21/0050/OUT" not in first.text
        second = page(api, "/web/local-authorities/blaby", page=2)
        assert len(figures(second.text, "agreements")) == 1
        assert "21/0050/OUT" in second.text
        assert 'rel="prev" href="?page=1"' in second.text


class TestAgreementPage:
    @pytest.mark.parametrize("role", ROLES)
    def test_contributions_match_the_api(self, api, ledger: Scenario, role: str) -> None:
        sign_in(api, role)
        response = page(api, f"/web/agreements/{ledger.blaby_agreement}")
        assert response.status_code == 200
        shown = figures(response.text, "contributions")
        listed = api.get(f"/agreements/{ledger.blaby_agreement}/contributions", role=role).json()["items"]
        assert len(listed) == 3
        for item in listed:
            cells = shown[f"contribution:{item['id']}"]
            for column in AUTHORITY_COLUMNS[1:]:
                assert pounds(cells[column.field]) == Decimal(item["balances"][column.field]), column.field

    def test_the_key_figures_add_up_to_the_total_including_money_at_risk(self, api, ledger: Scenario) -> None:
        sign_in(api, "officer")
        shown, parts = key_figures(page(api, f"/web/agreements/{ledger.blaby_agreement}", as_at="2021-12-31").text)
        assert parts == ["held_by_developer", "at_risk", "held_by_local_authority", "drawn"]
        assert (shown["total_value"], shown["at_risk"]) == (Decimal("75000.50"), Decimal("20000.00"))
        assert sum(shown[part] for part in parts) == shown["total_value"]

    def test_history_is_in_date_order_and_shows_the_reversal(self, api, ledger: Scenario) -> None:
        sign_in(api, "finance")
        text = page(api, f"/web/agreements/{ledger.blaby_agreement}").text
        history = text[text.index('id="history"') :]
        dates = [
            date.fromisoformat(item)
            for item in ("2019-04-01", "2020-01-10", "2020-06-01", "2021-02-01", "2021-04-01", "2021-06-01")
        ]
        positions = [history.index(day(when)) for when in dates]
        assert positions == sorted(positions)
        movements = api.get("/movements", params={"agreement_id": ledger.blaby_agreement, "limit": 100}).json()
        assert history.count("data-movement=") == movements["total"] == 10
        assert "Development started" in history and "At risk: may not be released" in history
        reversed_row = history[history.index(f'data-movement="{ledger.reversed_movement}"') :]
        assert '<span class="govuk-tag govuk-tag--grey">Reversed</span>' in reversed_row[: reversed_row.index("</tr>")]
        assert "Reversal of \u201cDrawn by the force\u201d (1 Apr 2021)" in history
        assert '<td class="govuk-table__cell govuk-table__cell--numeric app-negative">\u2212£1,000.00</td>' in history
        assert "keyed twice" in history

    def test_a_planning_officer_gets_a_404_page_for_another_authoritys_agreement(self, api, ledger: Scenario) -> None:
        sign_in(api, "planning")
        response = page(api, f"/web/agreements/{ledger.charnwood_agreement}")
        assert response.status_code == 404
        assert "Page not found" in response.text
        assert "P/18/1234/2" not in response.text

    def test_an_id_that_is_not_a_number_is_not_found(self, api) -> None:
        sign_in(api, "officer")
        assert page(api, "/web/agreements/abc").status_code == 404


class TestFormatting:
    def test_money_dates_and_axis_labels(self) -> None:
        assert money(Decimal("1234.5")) == "£1,234.50"
        assert money(Decimal("-5000")) == "\u2212£5,000.00"
        assert money(Decimal("0")) == "£0.00"
        assert day(date(2024, 4, 1)) == "1 Apr 2024"
        assert whole_pounds(Decimal("1500000")) == "£1.5m"
        assert whole_pounds(Decimal("250000")) == "£250k"
        assert whole_pounds(Decimal("0")) == "£0"

    def test_chart_steps_are_round(self) -> None:
        assert nice_step(Decimal("87346.17")) == Decimal("25000")
        assert nice_step(Decimal("11124266")) == Decimal("5000000")
        assert nice_step(Decimal("400")) == Decimal("100")

    def test_no_money_draws_no_chart(self) -> None:
        assert stacked_bars([]) is None


class TestNavigation:
    @pytest.mark.parametrize(("role", "shown"), [("officer", True), ("finance", True), ("planning", False)])
    def test_the_audit_trail_is_linked_only_for_roles_that_may_open_it(self, api, role: str, shown: bool) -> None:
        sign_in(api, role)
        header = page(api, "/web").text.split('id="navigation"')[1].split("</ul>")[0]
        assert ('href="/web/audit"' in header) is shown
        assert ('href="/web/users"' in header) is (role == "officer")
        for link in re.findall(r'href="([^"]+)"', header):
            assert api.get(link, role=None).status_code == 200, (role, link)
