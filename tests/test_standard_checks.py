"""The importer's published-figure checks read the ledger core's money rules: pure findings, no database."""

from collections import defaultdict
from decimal import Decimal

from app.ledger.rules import RULES
from app.money import ZERO
from app.standard.checks import check_published


def sums(**figures: str) -> defaultdict[str, Decimal]:
    """Published totals by status, zero where none is given."""
    totals: defaultdict[str, Decimal] = defaultdict(lambda: ZERO)
    totals.update({status: Decimal(amount) for status, amount in figures.items()})
    return totals


class TestPublishedFigureChecks:
    def test_figures_within_the_rules_give_no_finding(self) -> None:
        assert check_published(Decimal("100.00"), sums(received="100.00", transferred="60.00", spent="50.00")) == []

    def test_each_broken_rule_is_a_finding_named_after_the_core_rule(self) -> None:
        findings = check_published(Decimal("100.00"), sums(received="150.00", transferred="160.00", spent="170.00"))
        names = [finding.rule for finding in findings]
        core = [rule.__name__ for rule in RULES]
        assert names == [
            "received_within_total_value",
            "held_not_negative",
            "spent_within_total_value",
            "spent_within_received",
        ]
        assert set(names[:3]) <= set(core)
        assert [(finding.expected, finding.actual, finding.difference) for finding in findings] == [
            (Decimal("100.00"), Decimal("150.00"), Decimal("50.00")),
            (Decimal("150.00"), Decimal("160.00"), Decimal("10.00")),
            (Decimal("100.00"), Decimal("170.00"), Decimal("70.00")),
            (Decimal("150.00"), Decimal("170.00"), Decimal("20.00")),
        ]
        assert findings[1].message == "transferred £160.00, more than the £150.00 received"

    def test_returns_count_against_what_the_authority_held(self) -> None:
        findings = check_published(Decimal("100.00"), sums(received="80.00", transferred="50.00", returned="40.00"))
        assert [finding.message for finding in findings] == [
            "transferred £50.00 and returned £40.00, more than the £80.00 received"
        ]
