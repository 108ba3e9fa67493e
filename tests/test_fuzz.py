"""Hostile input: schemathesis drives every operation of the app's own OpenAPI schema."""

from datetime import date
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from app.main import app
from tests.builders import agreement, contribution, event, movement

schema = schemathesis.openapi.from_asgi("/openapi.json", app)

# Examples per operation: sized so the whole suite stays within CI's 30 minutes on both engines as routes grow.

# Rules the schema cannot express (a drawdown above what is held, a date before signing) rightly refuse
# schema-valid bodies, and unknown query parameters are ignored, so these two checks would only report noise.
NOT_APPLICABLE = [positive_data_acceptance, negative_data_rejection]


@pytest.fixture
def ledger_api(api):
    """The api fixture with a little ledger, so generated ids sometimes name real rows."""
    deed = agreement(api, signed_on=date(2019, 4, 1))
    made = contribution(api, deed["id"], amount="1000.00")
    assert event(api, made["id"], "development_started", date(2019, 6, 1)).status_code == 201
    assert movement(api, made["id"], "received", "600.00", date(2020, 1, 1)).status_code == 201
    assert movement(api, made["id"], "drawn", "100.00", date(2020, 2, 1)).status_code == 201
    return api


OPERATIONS = [result.ok() for result in schema.get_all_operations()]
"""Every operation, each its own test (so parallel workers share them out by name)."""


def fuzz(operation: Any, api: Any, token: str, examples: int) -> None:
    """Generated calls of the operation: no 5xx, and every answer as the schema documents it."""

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    def calls(case: Any) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, excluded_checks=NOT_APPLICABLE)

    calls()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_api_conforms_to_its_schema(operation: Any, ledger_api: Any) -> None:
    """No 5xx, and every answer matches the schema's documented statuses, media types and bodies."""
    fuzz(operation, ledger_api, ledger_api.tokens.officer, 15)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_api_conforms_for_a_planning_officer(operation: Any, ledger_api: Any) -> None:
    """The same for a planning officer bound to one authority: refusals are documented problems, never 5xx."""
    fuzz(operation, ledger_api, ledger_api.tokens.planning, 6)
