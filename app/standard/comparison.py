"""What a council says it holds beside the force's ledger: pure comparisons, no database."""

from collections import defaultdict
from decimal import Decimal

from app.balances.queries import Balance
from app.money import ZERO, pounds
from app.standard.rows import AgreementRow, ContributionRow
from app.standard.schemas import Comparison


def published_for(target: AgreementRow, rows: list[ContributionRow]) -> dict[str, Decimal]:
    """The published secured, received, transferred and spent of an agreement's force contributions."""
    published: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        if row.target is not target or not row.selected or row.amount is None:
            continue
        if row.end_on is None:
            published["secured"] += row.amount
        for transaction in row.transactions:
            money = transaction.status not in (None, "secured", "allocated")
            if money and transaction.status and transaction.end_on is None and transaction.amount:
                published[transaction.status] += transaction.amount
    return published


def compare_agreement(
    *, agreement_id: int, reference: str, published: dict[str, Decimal], ledger: Balance
) -> Comparison:
    """An agreement's published figures beside the ledger's, each difference named."""
    pairs = (
        ("secured", published["secured"], "total value", ledger.total_value),
        ("received", published["received"], "received", ledger.received_by_local_authority),
        ("transferred", published["transferred"], "drawn", ledger.drawn),
        ("spent", published["spent"], "spent", ledger.spent),
    )
    return Comparison(
        agreement_id=agreement_id,
        agreement_reference=reference,
        published_secured=published["secured"],
        published_received=published["received"],
        published_transferred=published["transferred"],
        published_spent=published["spent"],
        ledger_total_value=ledger.total_value,
        ledger_received=ledger.received_by_local_authority,
        ledger_drawn=ledger.drawn,
        ledger_spent=ledger.spent,
        differences=[
            f"published {name} {pounds(theirs)}, ledger {ours_name} {pounds(ours)} (difference {pounds(theirs - ours)})"
            for name, theirs, ours_name, ours in pairs
            if theirs != ours
        ],
    )
