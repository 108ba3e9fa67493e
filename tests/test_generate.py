"""The synthetic generator behind `s106 generate` and the benchmark: its ledger obeys the money rules."""

from datetime import date
from decimal import Decimal

import pytest

from app.errors import ConflictError
from app.synthetic.generate import Scale, generate
from tests.builders import balances
from tests.test_ledger import assert_identities


class TestSyntheticLedger:
    """A small generated ledger, read back through the API."""

    def test_counts_rules_and_identities(self, api, session) -> None:
        scale = Scale(authorities=3, agreements=20)
        counts = generate(session=session, scale=scale, seed=7, today=date(2024, 12, 31))
        session.commit()
        assert counts["agreements"] == 20
        assert counts["contributions"] == 60
        assert counts["movements"] == 600
        assert api.get("/movements", params={"limit": 1}).json()["total"] == 600
        for as_at in ("2010-12-31", "2018-06-30", "2024-12-31"):
            report = balances(api, group_by="contribution", as_at=as_at, limit=500)
            for row in report["rows"]:
                money = {name: Decimal(value) for name, value in row.items() if name in ("total_value", "spent")}
                assert Decimal(row["held_by_local_authority"]) >= 0, row
                assert Decimal(row["received_by_local_authority"]) <= money["total_value"], row
                assert money["spent"] <= money["total_value"], row
            for row in [*report["rows"], report["totals"]]:
                assert_identities(row)
        by_authority = balances(api, group_by="local_authority", as_at="2024-12-31")
        assert sum(row["agreements"] for row in by_authority["rows"]) == 20

    def test_refuses_a_database_with_agreements(self, api, session) -> None:
        generate(session=session, scale=Scale(authorities=1, agreements=1), today=date(2024, 12, 31))
        with pytest.raises(ConflictError, match="already holds agreements"):
            generate(session=session, scale=Scale(authorities=1, agreements=1), today=date(2024, 12, 31))
