"""Hostile input: oversized bodies, absurd numbers and bytes the database refuses, all answered with a clear 4xx."""

from datetime import date, timedelta

import pytest

from app.config import get_settings
from tests.builders import agreement, balances, contribution, movement
from tests.servers import is_postgresql

ABSURD_AMOUNTS = [
    "-5.00",
    "0",
    "0.00",
    "12.345",
    "abc",
    "1,000",
    "£10",
    "",
    " ",
    "NaN",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "1e30",
    "99999999999999999999",
    "0x10",
    1e30,
    -1,
    None,
    [],
    {},
]


def assert_problem(response, status: int, field: str | None = None) -> None:
    """A problem-details answer with the status, naming the field when given."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["detail"]
    if field is not None:
        assert any(field in error["field"] for error in body["errors"]), body


@pytest.fixture
def small_body_limit(monkeypatch):
    """A body limit of 2 kB for the test."""
    monkeypatch.setattr(get_settings(), "max_body_bytes", 2_000)
    return 2_000


class TestOversizedBodies:
    """Bodies over max_body_bytes are refused with 413, with or without a Content-Length, and nothing is written."""

    def _body(self, made) -> dict:
        return {
            "kind": "received",
            "contribution_id": made["id"],
            "amount": "1.00",
            "on": "2020-01-01",
            "note": "x" * 3_000,
        }

    def test_declared_length(self, api, small_body_limit) -> None:
        made = contribution(api, agreement(api)["id"], amount="100.00")
        assert_problem(api.post("/movements", json=self._body(made)), 413)
        assert balances(api, group_by="contribution")["totals"]["received_by_local_authority"] == "0.00"

    def test_chunked_without_length(self, api, small_body_limit) -> None:
        import json

        made = contribution(api, agreement(api)["id"], amount="100.00")
        payload = json.dumps(self._body(made)).encode()

        def chunks():
            for start in range(0, len(payload), 500):
                yield payload[start : start + 500]

        response = api.post("/movements", content=chunks(), headers={"Content-Type": "application/json"})
        assert_problem(response, 413)
        assert balances(api, group_by="contribution")["totals"]["received_by_local_authority"] == "0.00"

    def test_body_under_the_limit_is_accepted(self, api, small_body_limit) -> None:
        made = contribution(api, agreement(api)["id"], amount="100.00")
        assert movement(api, made["id"], "received", "1.00", date(2020, 1, 1)).status_code == 201

    def test_bad_content_length(self, api) -> None:
        response = api.post(
            "/movements", content=b"{}", headers={"Content-Type": "application/json", "Content-Length": "x"}
        )
        assert response.status_code in (400, 413)


class TestAbsurdMoney:
    """Every money input refuses absurd amounts with a 422 naming the field, and writes nothing."""

    @pytest.mark.parametrize("amount", ABSURD_AMOUNTS, ids=repr)
    def test_movement_amount(self, api, amount) -> None:
        made = contribution(api, agreement(api)["id"], amount="1000.00")
        snapshot = balances(api, group_by="contribution")
        body = {"kind": "received", "contribution_id": made["id"], "amount": amount, "on": "2020-01-01"}
        assert_problem(api.post("/movements", json=body), 422, "amount")
        assert balances(api, group_by="contribution") == snapshot

    @pytest.mark.parametrize("amount", ABSURD_AMOUNTS, ids=repr)
    def test_contribution_amount(self, api, amount) -> None:
        deed = agreement(api)
        body = {"purpose": "premises", "amount": amount, "trigger": {"type": "on_signing"}}
        assert_problem(api.post(f"/agreements/{deed['id']}/contributions", json=body), 422, "amount")
        assert api.get(f"/agreements/{deed['id']}/contributions").json()["total"] == 0

    def test_largest_amount_is_accepted_exactly(self, api) -> None:
        made = contribution(api, agreement(api)["id"], amount="999999999999.99")
        assert made["amount"] == "999999999999.99"
        assert balances(api, group_by="contribution")["totals"]["total_value"] == "999999999999.99"


class TestAbsurdIdsAndText:
    """Ids beyond the database's integers, and NUL bytes, are 4xx answers, never 500."""

    @pytest.mark.parametrize(
        "path", ["/agreements/{}", "/contributions/{}", "/movements/{}", "/contributions/{}/events"]
    )
    def test_huge_ids(self, api, path) -> None:
        assert_problem(api.get(path.format(2**63)), 422)
        assert_problem(api.get(path.format(0)), 422)

    def test_a_huge_id_is_told_it_is_too_large(self, api) -> None:
        response = api.get(f"/agreements/{10**20}")
        assert_problem(response, 422)
        assert "larger than any id" in response.json()["detail"]

    def test_huge_body_id(self, api) -> None:
        response = movement(api, 2**63, "received", "1.00", date(2020, 1, 1))
        assert_problem(response, 422, "contribution_id")

    def test_huge_offset(self, api) -> None:
        assert_problem(api.get("/movements", params={"offset": 2**63}), 422, "offset")

    def test_nul_byte(self, api) -> None:
        response = api.get("/audit", params={"resource": "a\x00b"})
        if is_postgresql():
            assert_problem(response, 422)
        else:
            assert response.status_code == 200


class TestAbsurdDates:
    """Dates outside the years a ledger can hold are 422 answers naming the field, never 500."""

    @pytest.mark.parametrize(
        "path",
        ["/forecast", "/balances", "/reports/panel", "/exports/developer-contributions"],
    )
    @pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
    def test_as_at(self, api, path, day) -> None:
        assert_problem(api.get(path, params={"as_at": day}), 422, "as_at")

    @pytest.mark.parametrize("path", ["/balances", "/reports/panel", "/exports/developer-contributions"])
    def test_as_at_after_today(self, api, path) -> None:
        tomorrow = date.today() + timedelta(days=1)
        response = api.get(path, params={"as_at": tomorrow.isoformat()})
        assert_problem(response, 422, "as_at")
        assert "after today" in response.json()["detail"]

    @pytest.mark.parametrize(
        ("path", "start", "end"),
        [
            ("/movements", "on_from", "on_to"),
            ("/agreements", "signed_from", "signed_to"),
            ("/audit", "on_from", "on_to"),
            ("/spend", "on_from", "on_to"),
        ],
    )
    def test_range_ending_before_it_starts(self, api, path, start, end) -> None:
        response = api.get(path, params={start: "2022-01-01", end: "2021-01-01"})
        assert_problem(response, 422, end)

    def test_movement_on(self, api) -> None:
        made = contribution(api, agreement(api)["id"], amount="1000.00")
        response = movement(api, made["id"], "received", "1.00", "0001-01-01")
        assert_problem(response, 422, "on")
        assert "outside the years 1900 to 2999" in response.json()["detail"]
        assert "datetime" not in response.json()["detail"]


class TestNotJson:
    """A body that is not JSON at all is a 422 about the body, not about a field called 0."""

    def test_body_not_json(self, api) -> None:
        response = api.post("/movements", content=b"kind=received", headers={"Content-Type": "application/json"})
        assert_problem(response, 422, "body")


class TestMethodNotAllowed:
    """A 405 names every method the path supports, across the routes that share it."""

    @pytest.mark.parametrize(
        ("method", "path", "allowed"),
        [
            ("DELETE", "/agreements/1", "GET, PATCH"),
            ("PUT", "/movements", "GET, POST"),
            ("GET", "/movements/1/reverse", "POST"),
        ],
    )
    def test_allow_header(self, api, method, path, allowed) -> None:
        response = api.request(method, path)
        assert_problem(response, 405)
        assert response.headers["allow"] == allowed
