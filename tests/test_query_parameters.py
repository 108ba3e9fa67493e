"""A query parameter the route does not take is a 422 naming it, so a misspelt filter never reads as no filter."""

from typing import Any

import pytest

from app.main import app
from tests.builders import agreement, contribution


def documented_query_parameters() -> list[tuple[str, str, list[str]]]:
    """Every operation the API documents with a bearer token, and the query parameters it documents."""
    operations = []
    for path, methods in app.openapi()["paths"].items():
        for method, operation in methods.items():
            if operation.get("security"):
                names = [item["name"] for item in operation.get("parameters", []) if item["in"] == "query"]
                operations.append((method.upper(), path, names))
    return operations


class TestUnknownQueryParameters:
    def test_a_misspelt_as_at_is_refused_rather_than_read_as_today(self, api: Any) -> None:
        response = api.get("/balances", role="finance", params={"group_by": "purpose", "as_of": "2021-03-31"})
        assert response.status_code == 422
        problem = response.json()
        assert problem["errors"] == [
            {
                "field": "as_of",
                "message": "not a query parameter of this request; it takes agreement_id, as_at, contribution_id, "
                "group_by, limit, local_authority, offset, open_only, purpose",
            }
        ]
        assert problem["detail"].startswith("as_of: not a query parameter")
        assert api.get("/balances", role="finance", params={"as_at": "2021-03-31"}).status_code == 200

    def test_each_unknown_name_is_listed_and_a_route_without_parameters_says_so(self, api: Any) -> None:
        response = api.get("/local-authorities/blaby", params={"zeta": "1", "alpha": ""})
        assert response.status_code == 422
        assert [item["field"] for item in response.json()["errors"]] == ["alpha", "zeta"]
        assert response.json()["errors"][0]["message"].endswith("it takes none")

    def test_a_write_with_an_unknown_parameter_writes_nothing(self, api: Any) -> None:
        site = agreement(api)
        owed = contribution(api, site["id"], amount="1000.00")
        refused = api.post(
            "/movements",
            params={"dry_run": "1"},
            json={"kind": "received", "contribution_id": owed["id"], "amount": "10.00", "on": "2024-05-01"},
        )
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "dry_run"
        assert api.get(f"/contributions/{owed['id']}").json()["balances"]["received_by_local_authority"] == "0.00"

    def test_the_refusal_comes_after_the_token(self, api: Any) -> None:
        assert api.get("/balances", role=None, params={"as_of": "2021-03-31"}).status_code == 401

    @pytest.mark.parametrize(("method", "path", "names"), documented_query_parameters())
    def test_every_documented_parameter_is_taken(self, api: Any, method: str, path: str, names: list[str]) -> None:
        """No route refuses a parameter its documentation lists: a refusal names the field, a bad value does not."""
        concrete = path.replace("{local_authority_id}", "blaby")
        for name in names:
            response = api.request(method, concrete.format_map(_AnyId()), params={name: "x"})
            problems = response.json().get("errors", []) if response.status_code == 422 else []
            assert not any(item["message"].startswith("not a query parameter") for item in problems), (name, problems)


class _AnyId(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "1"
