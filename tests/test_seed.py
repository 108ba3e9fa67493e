"""The LLR seed: it reproduces the Panel's published tables and keeps the ledger's rules at every date."""

import csv
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.balances.queries import MONEY_COLUMNS, Balance, GroupBy, balances
from app.models import Agreement, ContributionEvent, LocalAuthority, Movement, MovementKind
from app.money import ZERO
from seed.loader import load_seed

PUBLISHED = Path(__file__).resolve().parent.parent / "seed" / "published"
SLUGS = {
    "Blaby": "blaby",
    "Charnwood": "charnwood",
    "Harborough": "harborough",
    "Hinckley & Bosworth": "hinckley-and-bosworth",
    "Melton": "melton",
    "North West Leicestershire": "north-west-leicestershire",
    "Oadby & Wigston": "oadby-and-wigston",
    "Rutland": "rutland",
}


def published(name: str) -> dict[str, dict[str, str]]:
    """A published table's authority rows, by authority slug."""
    with (PUBLISHED / name).open(encoding="utf-8") as handle:
        return {SLUGS[row["local_authority"]]: row for row in csv.DictReader(handle) if row["local_authority"] in SLUGS}


def to_pound(value: str | int) -> int:
    """A figure as the Panel prints it: rounded half up to the pound."""
    return int(Decimal(str(value)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def month_ends(first: date, last: date) -> list[date]:
    """Every month end from first's month to last's."""
    ends = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        following = date(year + month // 12, month % 12 + 1, 1)
        ends.append(following - timedelta(days=1))
        year, month = following.year, following.month
    return ends


def panel(api: Any, layout: str, as_at: str, role: str = "finance") -> dict[str, Any]:
    """GET /reports/panel as JSON."""
    response = api.get("/reports/panel", role=role, params={"layout": layout, "as_at": as_at})
    assert response.status_code == 200, response.text
    return dict(response.json())


class TestLoading:
    """`s106 seed` loads once; a second run changes nothing."""

    def test_loads_the_nine_authorities_and_their_ledger(self, seeded: Session) -> None:
        assert seeded.scalar(select(func.count()).select_from(LocalAuthority)) == 9
        assert seeded.scalar(select(func.count()).select_from(Agreement)) == 140
        blaby = seeded.get(LocalAuthority, "blaby")
        assert (
            blaby is not None
            and blaby.release_basis is not None
            and blaby.release_basis.value == "in_arrears_on_completion"
        )
        assert seeded.get(LocalAuthority, "leicester") is not None

    def test_second_load_is_a_no_op(self, seeded: Session) -> None:
        before = [seeded.scalar(select(func.count()).select_from(table)) for table in (Movement, ContributionEvent)]
        assert load_seed(session=seeded, console=Console(quiet=True)) is False
        after = [seeded.scalar(select(func.count()).select_from(table)) for table in (Movement, ContributionEvent)]
        assert after == before

    def test_authorities_created_first_are_completed_not_duplicated(self, api: Any, session: Session) -> None:
        # The api fixture has already added blaby and charnwood with bare details.
        assert load_seed(session=session, console=Console(quiet=True)) is True
        blaby = session.get(LocalAuthority, "blaby")
        assert blaby is not None and blaby.organisation == "local-authority-eng:BLA"
        assert session.scalar(select(func.count()).select_from(LocalAuthority)) == 9

    def test_lubbesthorpe_is_at_risk_at_the_2600th_occupation(self, seeded: Session, api: Any) -> None:
        lubbesthorpe = seeded.scalar(select(Agreement).where(Agreement.reference == "LUBBESTHORPE"))
        assert lubbesthorpe is not None and lubbesthorpe.dwellings == 4250
        rows = api.get("/balances", params={"group_by": "agreement", "agreement_id": lubbesthorpe.id}).json()
        assert rows["totals"]["at_risk"] == "536834.00"
        assert rows["totals"]["total_value"] == "536834.00"


class TestPublishedTables:
    """The ledger's reports reproduce the Panel's tables, per authority, to the pound."""

    def test_2021_layout_equals_appendix_a_in_every_cell(self, seeded: Session, api: Any) -> None:
        table = panel(api, "2021", "2021-01-26")
        expected = published("appendix-a-2021-01-26.csv")
        got = {row["local_authority_id"]: row["values"] for row in table["rows"]}
        assert list(got) == list(expected)
        for slug, row in expected.items():
            for column, printed in row.items():
                if column != "local_authority":
                    assert to_pound(got[slug][column]) == int(printed), (slug, column)

    def test_2024_layout_equals_the_2024_table_except_remaining(self, seeded: Session, api: Any) -> None:
        table = panel(api, "2024", "2024-01-31")
        expected = published("table-2024-02-01.csv")
        got = {row["local_authority_id"]: row["values"] for row in table["rows"]}
        assert list(got) == list(expected)
        for slug, row in expected.items():
            values = got[slug]
            for column, printed in row.items():
                if column not in ("local_authority", "total_funds_remaining"):
                    assert to_pound(values[column]) == int(printed), (slug, column)
            assert Decimal(values["total_funds_remaining"]) == Decimal(values["total_value_of_agreements"]) - Decimal(
                values["total_money_spent"]
            )
        assert table["total"]["values"]["open_agreements"] == 93

    def test_forward_funded_spend_is_in_blaby_and_rutland_only(self, seeded: Session, api: Any) -> None:
        table = panel(api, "2024", "2024-01-31")
        ahead = [
            row["local_authority_id"]
            for row in table["rows"]
            if Decimal(row["values"]["total_money_spent"]) > Decimal(row["values"]["total_money_drawn_down"])
        ]
        assert ahead == ["blaby", "rutland"]


def assert_balance_rules(row: Balance, when: date) -> None:
    """Every stage non-negative, the identities exact, and the rules of record_movement's guard."""
    where = f"{row.label} {row.key} on {when}"
    for name in MONEY_COLUMNS:
        if name not in ("unspent_drawn",):
            assert getattr(row, name) >= ZERO, f"{where}: {name} is negative"
    parts = row.not_started + row.held_by_developer + row.at_risk + row.held_by_local_authority + row.drawn
    assert row.total_value == parts + row.returned, where
    assert row.held_by_local_authority == row.received_by_local_authority - row.drawn - row.returned, where
    assert row.received_by_local_authority <= row.total_value, where
    assert row.spent <= row.total_value, where
    assert row.remaining == row.total_value - row.spent, where


class TestIdentitiesOverTime:
    """The seed keeps the ledger's rules at every month end from 2015 to 2024, and at every movement date."""

    def test_every_month_end(self, seeded: Session) -> None:
        for when in month_ends(date(2015, 1, 1), date(2024, 12, 31)):
            # Three queries per date, whatever the size of the ledger.
            contributions, totals, _ = balances(seeded, group_by=GroupBy.contribution, as_at=when)
            authorities, authority_totals, _ = balances(seeded, group_by=GroupBy.local_authority, as_at=when)
            for row in [*contributions, *authorities, totals]:
                assert_balance_rules(row, when)
            assert authority_totals.total_value == totals.total_value
            assert sum((row.total_value for row in authorities), ZERO) == totals.total_value

    def test_guard_rules_hold_after_every_movement(self, seeded: Session) -> None:
        # One query: each contribution's running sums on each date it moves, as record_movement's guard sees them.
        def total(*kinds: MovementKind) -> Any:
            return func.sum(case((Movement.kind.in_(kinds), Movement.amount), else_=0))

        daily = (
            select(
                Movement.contribution_id,
                Movement.on,
                (
                    total(MovementKind.secured, MovementKind.indexation, MovementKind.variation)
                    - total(MovementKind.written_off)
                ).label("value"),
                total(MovementKind.received).label("received"),
                (total(MovementKind.drawn) + total(MovementKind.returned)).label("out"),
                total(MovementKind.spent).label("spent"),
            )
            .group_by(Movement.contribution_id, Movement.on)
            .subquery()
        )
        running = [
            func.sum(daily.c[name]).over(partition_by=daily.c.contribution_id, order_by=daily.c.on)
            for name in ("value", "received", "out", "spent")
        ]
        rows = seeded.execute(select(daily.c.contribution_id, daily.c.on, *running)).all()
        assert len(rows) > 500
        for contribution_id, on, value, received, out, spent in rows:
            value, received, out, spent = (Decimal(str(figure)) for figure in (value, received, out, spent))
            assert value >= 0, (contribution_id, on)
            assert received <= value, (contribution_id, on)
            assert out <= received, (contribution_id, on)
            assert spent <= value, (contribution_id, on)

    def test_no_movement_after_the_2024_table(self, seeded: Session) -> None:
        latest = seeded.scalar(select(func.max(Movement.on)))
        assert latest is not None and latest <= date(2024, 1, 31)


class TestTaskGroupSeed:
    """The Task Group's pieces in the seed: the 2024 projects linked to investment items, and illustrative bids."""

    def test_every_2024_project_links_to_an_investment_item(self, seeded: Session, api: Any) -> None:
        projects = api.get("/projects", params={"limit": 100}).json()["items"]
        assert len(projects) == 13 and all(project["investment_item_id"] for project in projects)
        items = {item["name"]: item for item in api.get("/investment-items", params={"limit": 100}).json()["items"]}
        assert len(items) == 9
        firearms = items["Firearms training and storage"]
        assert sorted(project["name"] for project in firearms["projects"]) == [
            "Firearms Building",
            "Firearms Locker Room",
        ]
        assert items["Digital engagement platform"]["status"] == "delivered"
        panel_projects = api.get("/reports/panel/projects", role="panel").json()["rows"]
        assert {row["name"]: row["investment_item"] for row in panel_projects}["Car Park"] == "Station car parking"

    def test_a_few_illustrative_bids_one_secured_in_a_seeded_agreement(self, seeded: Session, api: Any) -> None:
        bids = api.get("/bids", params={"limit": 100}).json()["items"]
        assert len(bids) == 5 and all(bid["notes"].startswith("Illustrative") for bid in bids)
        outcomes = sorted((bid["outcome"] or "open") for bid in bids)
        assert outcomes == ["open", "open", "refused", "secured", "withdrawn"]
        secured = next(bid for bid in bids if bid["outcome"] == "secured")
        assert (secured["amount_bid"], secured["secured"]) == ("60986.00", "60986.00")
        worked = next(bid for bid in bids if bid["application_reference"] == "24/00412/OUT")
        # 120 houses at £136.00 and 60 flats at £78.00 for officers and staff; £106.00 a dwelling for the rest.
        assert worked["amount_bid"] == "40080.00" and (worked["houses"], worked["flats"]) == (120, 60)
        summary = api.get("/bid-summary", role="panel").json()
        assert summary["totals"]["bids"] == 5 and summary["totals"]["secured_bids"] == 1
        assert seeded.scalar(select(func.count()).select_from(Agreement)) == 140


class TestInstalmentsSeed:
    """A few contributions pay in tranches, read from councils' wording; all the rest are one instalment."""

    def test_tranches_read_from_the_wording_and_summing_to_the_total(self, seeded: Session, api: Any) -> None:
        contributions = api.get("/contributions", params={"limit": 500}).json()["items"]
        assert len(contributions) == 203
        tranched = {item["id"]: item for item in contributions if len(item["instalments"]) > 1}
        assert len(tranched) == 4
        for item in tranched.values():
            assert sum(Decimal(part["value"]) for part in item["instalments"]) == Decimal(
                item["balances"]["total_value"]
            )
            assert all(part["status"] != "due" for part in item["instalments"])
        words = [tuple(part["words"] for part in item["instalments"]) for item in tranched.values()]
        shares = [tuple(part["percent"] for part in item["instalments"]) for item in tranched.values()]
        assert ("10", "45", "45") in shares
        assert ("on commencement", "on 100% occupation", "on the 250th occupation") in words
