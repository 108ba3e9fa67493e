"""The web view through HTTP: signing in and out, the cookie's limits, every page's figures against the API."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.web.charts import nice_step, stacked_bars
from app.web.formatting import day, money, whole_pounds
from app.web.tables import AUTHORITY_COLUMNS
from tests.builders import balances
from tests.pages import figures, pounds
from tests.scenario import Scenario, build

ROLES = ("officer", "finance", "planning")


def sign_in(api, role: str, next_path: str = "/web"):
    """Post the sign-in form with a role's token; the client keeps the cookie."""
    return api.post(
        "/web/sign-in",
        role=None,
        data={"token": getattr(api.tokens, role), "next": next_path},
        follow_redirects=False,
    )


def page(api, path: str, **params):
    """GET a page with the cookie only (no bearer header)."""
    return api.get(path, role=None, params=params, follow_redirects=False)


@pytest.fixture
def ledger(api) -> Scenario:
    """The scenario's ledger, recorded through the API."""
    return build(api)


class TestSignIn:
    def test_sign_in_keeps_the_token_in_an_http_only_same_site_cookie(self, api) -> None:
        response = sign_in(api, "finance", "/web/local-authorities/blaby")
        assert response.status_code == 303
        assert response.headers["location"] == "/web/local-authorities/blaby"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"s106_token={api.tokens.finance};")
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "Path=/" in cookie
        assert "Secure" not in cookie  # served over plain http here
        home = page(api, "/web")
        assert home.status_code == 200
        assert "test finance" in home.text
        assert "Finance" in home.text

    def test_over_https_the_cookie_is_secure(self, api) -> None:
        response = api.client.post(
            "https://testserver/web/sign-in", data={"token": api.tokens.officer}, follow_redirects=False
        )
        assert response.status_code == 303
        assert "Secure" in response.headers["set-cookie"]

    def test_the_stylesheet_is_served_by_the_app(self, api) -> None:
        response = api.get("/web/static/s106.css", role=None)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/css")
        assert "@media print" in response.text

    def test_an_unknown_token_is_refused_with_a_message_and_no_cookie(self, api) -> None:
        response = api.post("/web/sign-in", role=None, data={"token": "s106_nonsense"}, follow_redirects=False)
        assert response.status_code == 422
        assert "set-cookie" not in response.headers
        assert "The token is not recognised or has been revoked" in response.text
        empty = api.post("/web/sign-in", role=None, data={"token": "  "}, follow_redirects=False)
        assert empty.status_code == 422
        assert "Enter your access token" in empty.text

    @pytest.mark.parametrize("target", ["https://example.com/", "//example.com/web", "/docs", "/web\\..\\x"])
    def test_it_returns_only_to_a_page_of_the_web_view(self, api, target: str) -> None:
        response = sign_in(api, "officer", target)
        assert response.status_code == 303
        assert response.headers["location"] == "/web"

    def test_a_sign_in_posted_from_another_site_is_refused(self, api) -> None:
        response = api.post(
            "/web/sign-in",
            role=None,
            data={"token": api.tokens.officer},
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

    def test_root_leads_to_the_web_view(self, api) -> None:
        response = api.get("/", role=None, follow_redirects=False)
        assert response.status_code == 307
        assert response.headers["location"] == "/web"

    def test_sign_out_clears_the_cookie(self, api) -> None:
        sign_in(api, "officer")
        assert page(api, "/web").status_code == 200
        response = api.post("/web/sign-out", role=None, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/web/sign-in"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith('s106_token="";') or cookie.startswith("s106_token=;")
        assert "Max-Age=0" in cookie
        assert page(api, "/web").status_code == 303

    def test_a_revoked_token_signs_the_viewer_out(self, api, session) -> None:
        from app.auth.service import authenticate, revoke_token

        sign_in(api, "planning")
        principal = authenticate(session=session, token=api.tokens.planning)
        assert principal is not None and principal.token_id is not None
        revoke_token(session=session, token_id=principal.token_id)
        assert page(api, "/web").headers["location"] == "/web/sign-in?next=%2Fweb"


class TestCookieOnlyReads:
    def test_the_cookie_reads_the_api(self, api, ledger: Scenario) -> None:
        sign_in(api, "officer")
        response = api.get(f"/agreements/{ledger.blaby_agreement}", role=None)
        assert response.status_code == 200
        assert response.json()["reference"] == "19/0001/OUT"

    def test_the_cookie_cannot_write_through_the_api(self, api) -> None:
        sign_in(api, "officer")
        body = {"local_authority_id": "blaby", "reference": "X/1", "site": "A field", "signed_on": "2020-01-01"}
        refused = api.post("/agreements", role=None, json=body)
        assert refused.status_code == 401
        assert "Bearer" in refused.json()["detail"]
        assert api.get("/agreements", params={"reference": "X/1"}).json()["total"] == 0
        assert api.patch("/local-authorities/blaby", role=None, json={"release_notes": "x"}).status_code == 401
        assert api.post("/agreements", json=body).status_code == 201  # the bearer header still writes


class TestHome:
    @pytest.mark.parametrize("role", ROLES)
    def test_every_role_sees_the_figures_the_api_gives(self, api, ledger: Scenario, role: str) -> None:
        sign_in(api, role)
        response = page(api, "/web", as_at="2021-12-31")
        assert response.status_code == 200
        assert "no-store" in response.headers["cache-control"]
        shown = figures(response.text, "balances")
        expected = balances(api, role=role, group_by="local_authority", as_at="2021-12-31")
        assert set(shown) == {f"key:{row['key']}" for row in expected["rows"]} | {"key:total"}
        for row in [*expected["rows"], expected["totals"]]:
            cells = shown[f"key:{row['key']}"]
            assert int(cells["open_agreements"]) == row["open_agreements"]
            for column in AUTHORITY_COLUMNS[1:]:
                assert pounds(cells[column.field]) == Decimal(row[column.field]), (row["key"], column.field)

    def test_the_officer_sees_every_authority_and_exact_totals(self, api, ledger: Scenario) -> None:
        sign_in(api, "officer")
        shown = figures(page(api, "/web", as_at="2021-12-31").text, "balances")
        assert shown["key:blaby"]["total_value"] == "£87,346.17"
        assert shown["key:blaby"]["held_by_local_authority"] == "£25,000.50"
        assert shown["key:blaby"]["at_risk"] == "£20,000.00"
        assert shown["key:charnwood"]["drawn"] == "£25,000.00"
        assert shown["key:total"]["total_value"] == "£167,346.17"
        assert shown["key:total"]["remaining"] == "£108,346.17"

    def test_a_planning_officer_sees_only_their_authority(self, api, ledger: Scenario) -> None:
        sign_in(api, "planning")
        response = page(api, "/web", as_at="2021-12-31")
        assert set(figures(response.text, "balances")) == {"key:blaby", "key:total"}
        assert "Charnwood" not in response.text
        assert "Planning officer, Blaby District Council" in response.text

    def test_figures_as_at_an_earlier_date(self, api, ledger: Scenario) -> None:
        sign_in(api, "finance")
        shown = figures(page(api, "/web", as_at="2019-12-31").text, "balances")
        assert shown["key:blaby"]["not_started"] == "£75,000.50"
        assert shown["key:blaby"]["open_agreements"] == "1"
        assert shown["key:charnwood"]["held_by_local_authority"] == "£80,000.00"

    def test_the_chart_draws_each_authority_to_scale(self, api, ledger: Scenario) -> None:
        sign_in(api, "officer")
        text = page(api, "/web", as_at="2021-12-31").text
        assert '<svg class="bar-chart"' in text
        assert 'aria-labelledby="chart-title chart-desc"' in text
        assert "<title>Blaby District Council: at risk, £20,000.00</title>" in text
        assert "<title>Charnwood Borough Council: spent, £20,000.00</title>" in text
        # The scale runs to £100k over 1200 units, so Charnwood's £55,000 held is 660 units wide.
        assert 'width="660.0" height="24"><title>Charnwood Borough Council: held by the authority' in text

    def test_a_date_that_is_not_a_date_is_a_page_saying_so(self, api) -> None:
        sign_in(api, "officer")
        response = page(api, "/web", as_at="31/12/2021")
        assert response.status_code == 400
        assert "There is a problem with the address" in response.text
        assert "as_at" in response.text


class TestDownloads:
    def test_csv_is_the_table_the_planning_officer_sees(self, api, ledger: Scenario) -> None:
        sign_in(api, "planning")
        response = page(api, "/web/balances.csv", as_at="2021-12-31")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["content-disposition"] == 'attachment; filename="balances-2021-12-31.csv"'
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == ["Local authority", *(column.heading for column in AUTHORITY_COLUMNS)]
        assert rows[1:] == [
            ["Blaby District Council", "2", "87346.17", "0.00", "12345.67", "20000.00", "25000.50"]
            + ["30000.00", "39000.00", "48346.17"],
            ["Total", "2", "87346.17", "0.00", "12345.67", "20000.00", "25000.50", "30000.00", "39000.00", "48346.17"],
        ]

    def test_xlsx_holds_the_api_figures_as_numbers(self, api, ledger: Scenario) -> None:
        sign_in(api, "finance")
        response = page(api, "/web/balances.xlsx", as_at="2021-12-31")
        assert response.status_code == 200
        assert response.headers["content-disposition"] == 'attachment; filename="balances-2021-12-31.xlsx"'
        sheet = load_workbook(io.BytesIO(response.content)).active
        values = list(sheet.iter_rows(values_only=True))
        assert values[0][0] == "S106 contributions by local authority as at 2021-12-31"
        assert values[2] == ("Local authority", *(column.heading for column in AUTHORITY_COLUMNS))
        expected = balances(api, role="finance", group_by="local_authority", as_at="2021-12-31")
        body = {row[0]: row[1:] for row in values[3:]}
        assert list(body) == [row["label"] for row in expected["rows"]] + ["Total"]
        for row in [*expected["rows"], expected["totals"]]:
            cells = body[row["label"]]
            assert cells[0] == row["open_agreements"]
            for cell, column in zip(cells[1:], AUTHORITY_COLUMNS[1:], strict=True):
                assert Decimal(str(cell)) == Decimal(row[column.field])
        assert sheet["C4"].number_format.startswith('"£"#,##0.00')

    def test_downloads_need_a_signed_in_viewer(self, api) -> None:
        assert page(api, "/web/balances.xlsx").status_code == 303


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
        assert '<span class="tag stage-at_risk">At risk</span>' in text

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
        assert "Signed in as <strong>test planning</strong>" in response.text
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
        assert '<span class="tag reversed">Reversed</span>' in reversed_row[: reversed_row.index("</tr>")]
        assert "Reversal of \u201cDrawn by the force\u201d (1 Apr 2021)" in history
        assert '<td class="num negative">\u2212£1,000.00</td>' in history
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
