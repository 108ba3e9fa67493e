"""Property: random sequences of movements and events, posted through the API, always reconcile.

An independent model of the ledger (a few lines of plain Python) predicts which requests the API
must accept and what every balance must be; the API must agree with it as at several dates, and
every grouping must satisfy the identities of DESIGN.md and add up to its totals row.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from app.balances.queries import BalanceFilter, GroupBy, balances, rollup_balances
from app.ledger import rollup
from tests.builders import agreement, contribution
from tests.conftest import api_on, rolled_back_session
from tests.test_ledger import assert_identities

SIGNED_ON = date(2018, 1, 1)
LAST_DAY = date(2024, 12, 31)
SPAN = (LAST_DAY - SIGNED_ON).days
RAISES = {
    "secured": ("total", 1),
    "indexation": ("total", 1),
    "variation": ("total", 1),
    "written_off": ("total", -1),
    "received": ("received", 1),
    "drawn": ("drawn", 1),
    "spent": ("spent", 1),
    "returned": ("returned", 1),
}
MOVEMENT_KINDS = [kind for kind in RAISES if kind != "secured"]
EVENT_KINDS = ["development_started", "trigger_met", "at_risk", "at_risk_cleared"]


@dataclass
class ModelContribution:
    """What the model knows of one contribution."""

    trigger_on_signing: bool
    movements: list[tuple[date, str, Decimal]] = field(default_factory=list)
    events: list[tuple[date, str]] = field(default_factory=list)

    def sums(self, as_at: date) -> dict[str, Decimal]:
        totals = {
            "total": Decimal(0),
            "received": Decimal(0),
            "drawn": Decimal(0),
            "spent": Decimal(0),
            "returned": Decimal(0),
        }
        for on, kind, signed in self.movements:
            if on <= as_at:
                name, sign = RAISES[kind]
                totals[name] += sign * signed
        return totals

    def valid(self) -> bool:
        for on in {on for on, _kind, _amount in self.movements}:
            sums = self.sums(on)
            if sums["total"] < 0 or sums["received"] > sums["total"] or sums["spent"] > sums["total"]:
                return False
            if sums["drawn"] + sums["returned"] > sums["received"]:
                return False
        return True

    def stages(self, as_at: date) -> dict[str, Decimal]:
        sums = self.sums(as_at)
        started = self.trigger_on_signing or any(
            on <= as_at and kind in ("development_started", "trigger_met") for on, kind in self.events
        )
        at_risk_on = max((on for on, kind in self.events if kind == "at_risk" and on <= as_at), default=None)
        cleared_on = max((on for on, kind in self.events if kind == "at_risk_cleared" and on <= as_at), default=None)
        at_risk = at_risk_on is not None and (cleared_on is None or at_risk_on > cleared_on)
        unreceived = sums["total"] - sums["received"]
        return {
            "total_value": sums["total"],
            "not_started": Decimal(0) if at_risk or started else unreceived,
            "held_by_developer": unreceived if started and not at_risk else Decimal(0),
            "at_risk": unreceived if at_risk else Decimal(0),
            "held_by_local_authority": sums["received"] - sums["drawn"] - sums["returned"],
            "received_by_local_authority": sums["received"],
            "drawn": sums["drawn"],
            "spent": sums["spent"],
            "returned": sums["returned"],
        }

    def at_risk_on(self, as_at: date) -> bool:
        latest = None
        for on, kind in sorted(self.events, key=lambda item: item[0]):
            if on <= as_at and kind in ("at_risk", "at_risk_cleared"):
                latest = kind
        return latest == "at_risk"


amounts = st.integers(min_value=1, max_value=2_000_000).map(lambda pence: Decimal(pence) / 100)
days = st.integers(min_value=0, max_value=SPAN).map(lambda offset: SIGNED_ON + timedelta(days=offset))
operations = st.lists(
    st.one_of(
        st.tuples(st.just("movement"), st.integers(0, 2), st.sampled_from(MOVEMENT_KINDS), amounts, days),
        st.tuples(st.just("event"), st.integers(0, 2), st.sampled_from(EVENT_KINDS), st.just(Decimal(0)), days),
        st.tuples(st.just("reverse"), st.integers(0, 40), st.just(""), st.just(Decimal(0)), days),
    ),
    min_size=1,
    max_size=25,
)
contribution_specs = st.lists(
    st.tuples(
        st.sampled_from(["premises", "equipment", "vehicles"]),
        st.integers(min_value=100, max_value=5_000_000).map(lambda pence: Decimal(pence) / 100),
        st.sampled_from(["on_signing", "on_commencement", "on_occupation"]),
        st.sampled_from(["blaby", "charnwood"]),
    ),
    min_size=1,
    max_size=3,
)
check_dates = st.lists(days, min_size=2, max_size=4)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(specs=contribution_specs, steps=operations, as_ats=check_dates)
def test_random_ledgers_reconcile(engine: Engine, specs, steps, as_ats) -> None:
    with rolled_back_session(engine) as session, api_on(session) as api:
        deeds = {
            authority: agreement(api, local_authority_id=authority, reference=f"PROP/{authority}", signed_on=SIGNED_ON)
            for authority in {spec[3] for spec in specs}
        }
        ids: list[int] = []
        model: dict[int, ModelContribution] = {}
        posted: list[tuple[int, int, str, Decimal, date, bool]] = []  # id, contribution, kind, amount, on, reversed
        for purpose, amount, trigger, authority in specs:
            made = contribution(api, deeds[authority]["id"], purpose=purpose, amount=str(amount), trigger_type=trigger)
            ids.append(made["id"])
            model[made["id"]] = ModelContribution(trigger_on_signing=trigger == "on_signing")
            model[made["id"]].movements.append((SIGNED_ON, "secured", amount))
            secured = api.get("/movements", params={"contribution_id": made["id"]}).json()["items"][0]
            posted.append((secured["id"], made["id"], "secured", amount, SIGNED_ON, False))

        for action, index, kind, amount, on in steps:
            if action == "movement":
                target = model[ids[index % len(ids)]]
                target.movements.append((on, kind, amount))
                expected_ok = target.valid()
                if not expected_ok:
                    target.movements.pop()
                response = api.post(
                    "/movements",
                    json={
                        "kind": kind,
                        "contribution_id": ids[index % len(ids)],
                        "amount": str(amount),
                        "on": on.isoformat(),
                    },
                )
                assert response.status_code == (201 if expected_ok else 409), (kind, amount, on, response.text)
                if expected_ok:
                    posted.append((response.json()["id"], ids[index % len(ids)], kind, amount, on, False))
            elif action == "event":
                target = model[ids[index % len(ids)]]
                refused = (kind == "at_risk" and target.at_risk_on(on)) or (
                    kind == "at_risk_cleared" and not target.at_risk_on(on)
                )
                response = api.post(
                    f"/contributions/{ids[index % len(ids)]}/events", json={"kind": kind, "on": on.isoformat()}
                )
                assert response.status_code == (409 if refused else 201), response.text
                if not refused:
                    target.events.append((on, kind))
            else:
                movement_id, contribution_id, kind, amount, original_on, already = posted[index % len(posted)]
                when = max(on, original_on)
                target = model[contribution_id]
                target.movements.append((when, kind, -amount))
                expected_ok = not already and target.valid()
                if not expected_ok:
                    target.movements.pop()
                response = api.post(f"/movements/{movement_id}/reverse", json={"on": when.isoformat()})
                assert response.status_code == (201 if expected_ok else 409), response.text
                if expected_ok:
                    posted[index % len(posted)] = (movement_id, contribution_id, kind, amount, original_on, True)

        for as_at in [*as_ats, LAST_DAY]:
            by_contribution = api.get(
                "/balances", params={"group_by": "contribution", "as_at": as_at.isoformat()}
            ).json()
            for row in by_contribution["rows"]:
                expected = model[int(row["key"])].stages(as_at)
                assert {name: Decimal(row[name]) for name in expected} == expected, (as_at, row)
            for group_by in ("local_authority", "purpose", "agreement", "contribution"):
                report = api.get("/balances", params={"group_by": group_by, "as_at": as_at.isoformat()}).json()
                for row in [*report["rows"], report["totals"]]:
                    assert_identities(row)
                for name in ("total_value", "held_by_local_authority", "drawn", "spent", "not_started", "at_risk"):
                    assert sum(Decimal(row[name]) for row in report["rows"]) == Decimal(report["totals"][name])

        # The rollup the writes kept is what a rebuild from the ledger gives, and reads from it the ledger's sums.
        assert rollup.check(session) == []
        for as_at in [*as_ats, LAST_DAY]:
            for group_by in (GroupBy.local_authority, GroupBy.purpose):
                arguments: dict[str, Any] = {"as_at": as_at, "where": BalanceFilter(), "limit": None, "offset": 0}
                from_ledger = balances(session, group_by=group_by, **arguments)
                assert rollup_balances(session, group_by=group_by, **arguments) == from_ledger, (as_at, group_by)
