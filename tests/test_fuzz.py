"""Hostile input: schemathesis drives every operation of the app's own OpenAPI schema."""

from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
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


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, ledger_api) -> None:
    """No 5xx, and every answer matches the schema's documented statuses, media types and bodies."""
    case.call_and_validate(
        headers={"Authorization": f"Bearer {ledger_api.tokens.officer}"},
        excluded_checks=NOT_APPLICABLE,
    )


@schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_for_a_planning_officer(case, ledger_api) -> None:
    """The same for a planning officer bound to one authority: refusals are documented problems, never 5xx."""
    case.call_and_validate(
        headers={"Authorization": f"Bearer {ledger_api.tokens.planning}"},
        excluded_checks=NOT_APPLICABLE,
    )
