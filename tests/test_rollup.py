"""The stage rollup: kept by every write path equal to a rebuild from the ledger, and giving the ledger's figures."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.auth.service import Principal
from app.balances.queries import BalanceFilter, GroupBy, authority_figures, balances, rollup_balances
from app.balances.schemas import BalanceRow
from app.cli import main
from app.ledger import cli as rollup_cli
from app.ledger import rollup
from app.ledger.writer import HistoryMovement, record_histories
from app.models import (
    LocalAuthority,
    MovementKind,
    Role,
    RollupAgreementMonth,
    RollupAgreementPeriodChange,
    RollupAgreementPurposeMonth,
    RollupAgreementPurposePeriodChange,
    RollupMonth,
    RollupPeriodChange,
)
from app.money import ZERO
from app.reports.reconcile import Layout
from app.reports.service import panel_table
from tests.builders import agreement, contribution, event, movement
from tests.project_builders import allocate, drawdown, funded_contribution, pay, project, spend, step
from tests.standard_helpers import CHARNWOOD_CSV, give_organisation_codes, imported


def month_ends_and_mid_months(first: date, last: date, every: int) -> list[date]:
    """Every `every`-th month's last day and 15th between the two dates, and the last date itself."""
    dates: list[date] = []
    month = first.replace(day=1)
    index = 0
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        if index % every == 0:
            dates += [month.replace(day=15), following - timedelta(days=1)]
        month, index = following, index + 1
    return [when for when in dates if when <= last] + [last]


AS_AT = month_ends_and_mid_months(date(2007, 1, 1), date.today(), every=7)
"""About forty dates from before the seed's first agreement to today, month ends and mid-months."""


IMPORTER = Principal(name="import", role=Role.officer)


def assert_agrees(session: Session) -> None:
    """The stored rollup is exactly what a rebuild from the ledger gives."""
    assert rollup.check(session) == []


def assert_endpoint_gives_the_ledgers_figures(
    api: Any, session: Session, *, as_at: date, role: str = "officer", **params: Any
) -> dict[str, Any]:
    """GET /balances (answered from the rollup) gives exactly the rows, totals and count the ledger's sums give."""
    response = api.get("/balances", role=role, params={"as_at": as_at.isoformat(), **params})
    assert response.status_code == 200, response.text
    body = response.json()
    scope = params.get("local_authority") or ("blaby" if role == "planning" else None)
    where = BalanceFilter(local_authority_id=scope, open_only=params.get("open_only", False))
    rows, totals, count = balances(
        session,
        group_by=GroupBy(params["group_by"]),
        as_at=as_at,
        where=where,
        limit=params.get("limit", 50),
        offset=params.get("offset", 0),
    )
    expected = [BalanceRow.of_row(row).model_dump(mode="json") for row in rows]
    assert body["rows"] == expected, (as_at, params)
    assert body["totals"] == BalanceRow.of_row(totals).model_dump(mode="json"), (as_at, params)
    assert body["total_rows"] == count, (as_at, params)
    return body


def by_purpose(api: Any, session: Session, as_at: date, **params: Any) -> dict[str, dict[str, Any]]:
    """The rows of balances by purpose as at the date, keyed by purpose, checked against the ledger first."""
    body = assert_endpoint_gives_the_ledgers_figures(api, session, as_at=as_at, group_by="purpose", **params)
    return {row["key"]: row for row in body["rows"]} | {"total": body["totals"]}


def closed_agreement(api: Any) -> dict[str, Any]:
    """An agreement of 2018 whose equipment money was received and drawn, closed at the end of 2020."""
    closing = agreement(api, reference="18/0002/OUT", signed_on=date(2018, 5, 1))
    old = contribution(api, closing["id"], purpose="equipment", amount="5000.00")
    assert event(api, old["id"], "development_started", date(2018, 6, 1)).status_code == 201
    assert movement(api, old["id"], "received", "5000.00", date(2018, 7, 1)).status_code == 201
    assert movement(api, old["id"], "drawn", "5000.00", date(2018, 8, 1)).status_code == 201
    closed = api.patch(f"/agreements/{closing['id']}", json={"closed_on": "2020-12-31"})
    assert closed.status_code == 200, closed.text
    return dict(closing)


class TestBalancesByPurposeFromTheRollup:
    """GET /balances?group_by=purpose reads the rollup and answers exactly what the ledger's sums answer."""

    DATES = (date(2019, 3, 31), date(2019, 5, 15), date(2020, 6, 1), date(2020, 12, 31), date(2021, 2, 14))

    def _agrees_everywhere(self, api: Any, session: Session) -> None:
        assert_agrees(session)
        for as_at in (*self.DATES, date.today()):
            for params in ({}, {"open_only": True}, {"local_authority": "charnwood"}, {"limit": 1, "offset": 1}):
                by_purpose(api, session, as_at, **params)
            by_purpose(api, session, as_at, role="planning")
            by_purpose(api, session, as_at, role="planning", open_only=True)

    def test_writes_of_every_kind(self, api: Any, session: Session) -> None:
        deed = agreement(api, reference="19/0007/OUT", signed_on=date(2019, 4, 1))
        cars = contribution(api, deed["id"], purpose="vehicles", amount="20000.00", trigger_type="on_signing")
        kit = contribution(api, deed["id"], purpose="equipment", amount="5000.00")
        assert movement(api, cars["id"], "received", "8000.00", date(2020, 6, 1)).status_code == 201
        self._agrees_everywhere(api, session)
        rows = by_purpose(api, session, date.today())
        # One agreement of two purposes: counted under each, and once in the total.
        assert (rows["vehicles"]["agreements"], rows["equipment"]["agreements"]) == (1, 1)
        assert rows["total"]["agreements"] == 1
        assert rows["vehicles"]["held_by_local_authority"] == "8000.00"
        assert rows["equipment"]["not_started"] == "5000.00"

        # Back-dated before the agreement's first receipt, and a reversal.
        assert movement(api, kit["id"], "indexation", "250.00", date(2019, 5, 1)).status_code == 201
        wrong = movement(api, cars["id"], "received", "1000.00", date(2020, 7, 1)).json()
        assert api.post(f"/movements/{wrong['id']}/reverse", json={"on": "2020-08-01"}).status_code == 201
        other = agreement(api, local_authority_id="charnwood", reference="20/0100/OUT", signed_on=date(2020, 1, 6))
        far = contribution(api, other["id"], purpose="equipment", amount="3000.00")
        assert event(api, far["id"], "at_risk", date(2020, 9, 1)).status_code == 201
        self._agrees_everywhere(api, session)
        assert by_purpose(api, session, date.today())["equipment"]["agreements"] == 2

        closing = closed_agreement(api)
        self._agrees_everywhere(api, session)
        assert by_purpose(api, session, date.today(), open_only=True)["equipment"]["agreements"] == 2
        assert by_purpose(api, session, date(2020, 12, 30), open_only=True)["equipment"]["agreements"] == 3
        assert by_purpose(api, session, date.today())["equipment"]["agreements"] == 3
        reopened = api.patch(f"/agreements/{closing['id']}", json={"status": "open"})
        assert reopened.status_code == 200, reopened.text
        self._agrees_everywhere(api, session)
        assert by_purpose(api, session, date.today(), open_only=True)["equipment"]["agreements"] == 3

        moved = api.post(
            f"/contributions/{kit['id']}/repurposings",
            json={"purpose": "vehicles", "consented_on": "2021-05-01", "consent_reference": "BDC letter 2021/45"},
        )
        assert moved.status_code == 201, moved.text
        self._agrees_everywhere(api, session)
        rows = by_purpose(api, session, date.today())
        # Both of the agreement's contributions are now for vehicles: it counts once there.
        assert rows["vehicles"]["agreements"] == 1 and rows["equipment"]["agreements"] == 2
        assert rows["vehicles"]["total_value"] == "25250.00"


class TestEveryWritePathKeepsTheRollup:
    """Each write, through the API, leaves the rollup equal to a rebuild of it from the ledger."""

    def test_movements_reversals_events_close_reopen_payments_spend_repurposing_and_import(
        self, api: Any, session: Session
    ) -> None:
        made = funded_contribution(api, purpose="vehicles", amount="20000.00", received="15000.00")
        assert_agrees(session)
        # Back-dated before the receipt: every later step of the contribution is derived again.
        assert movement(api, made["id"], "indexation", "500.00", date(2020, 2, 1)).status_code == 201
        assert_agrees(session)
        wrong = movement(api, made["id"], "received", "1000.00", date(2020, 7, 1)).json()
        reversed_ = api.post(f"/movements/{wrong['id']}/reverse", json={"on": "2020-08-01"})
        assert reversed_.status_code == 201, reversed_.text
        assert_agrees(session)
        other = agreement(api, reference="19/0042/OUT", signed_on=date(2019, 3, 1))
        risky = contribution(api, other["id"], purpose="equipment", amount="8000.00")
        assert event(api, risky["id"], "at_risk", date(2019, 6, 1)).status_code == 201
        assert event(api, risky["id"], "at_risk_cleared", date(2019, 9, 1)).status_code == 201
        assert_agrees(session)

        fleet = project(api, name="Response Cars", category="vehicles", estimate_low="60000.00")
        building = project(api)
        assert allocate(api, fleet["id"], made["id"], "15000.00").status_code == 201
        request = drawdown(api, local_authority_id="blaby", project_id=fleet["id"], lines=[(made["id"], "6000.00")])
        assert request.status_code == 201, request.text
        for action in ("submit", "approve"):
            assert step(api, request.json()["id"], action).status_code == 200
        paid = pay(api, request.json()["id"], date.today().isoformat())
        assert paid.status_code == 201, paid.text
        assert_agrees(session)
        charged = spend(api, project_id=fleet["id"], amount="4000.00", charges=[(made["id"], "4000.00")])
        assert charged.status_code == 201, charged.text
        assert_agrees(session)
        change = api.post(
            f"/contributions/{made['id']}/repurposings",
            json={
                "purpose": "premises",
                "from_project_id": fleet["id"],
                "to_project_id": building["id"],
                "consented_on": "2021-05-01",
                "consent_reference": "BDC letter 2021/44",
            },
        )
        assert change.status_code == 201, change.text
        assert_agrees(session)

        closing = closed_agreement(api)
        assert_agrees(session)
        reopened = api.patch(f"/agreements/{closing['id']}", json={"status": "open"})
        assert reopened.status_code == 200, reopened.text
        assert_agrees(session)

        give_organisation_codes(session)
        report = imported(api, CHARNWOOD_CSV, "charnwood")
        assert report["created"]["movements"] == 13
        assert_agrees(session)
        for as_at in (date(2018, 7, 31), date(2020, 11, 15), date(2020, 12, 31), date(2021, 1, 1), date.today()):
            for layout in Layout:
                computed = panel_table(session=session, layout=layout, as_at=as_at, scope=None)
                summed = panel_table(session=session, layout=layout, as_at=as_at, scope=None, from_rollup=False)
                assert computed == summed, (layout, as_at)

    def test_a_bulk_history_written_past_the_orm_is_settled_too(self, api: Any, session: Session) -> None:
        made = funded_contribution(api, amount="20000.00", received="5000.00")
        session.commit()
        assert_agrees(session)
        published = [
            HistoryMovement(made["id"], MovementKind.received, Decimal("4000.00"), date(2021, 3, 1), "R2", None),
            HistoryMovement(made["id"], MovementKind.drawn, Decimal("3000.00"), date(2021, 6, 1), "D1", None),
        ]
        assert record_histories(session=session, principal=IMPORTER, movements=published) == 2
        session.commit()
        assert_agrees(session)
        figures = authority_figures(session, as_at=date.today(), where=BalanceFilter(local_authority_id="blaby"))
        assert (figures.totals.received_by_local_authority, figures.totals.drawn) == (9000, 3000)

    def test_a_refused_write_leaves_the_rollup_as_it_was(self, api: Any, session: Session) -> None:
        made = funded_contribution(api, amount="1000.00", received="1000.00")
        overdrawn = movement(api, made["id"], "drawn", "5000.00", date(2020, 7, 1))
        assert overdrawn.status_code == 409
        assert_agrees(session)
        figures = authority_figures(session, as_at=date.today(), where=BalanceFilter(local_authority_id="blaby"))
        assert (figures.totals.received_by_local_authority, figures.totals.drawn) == (1000, 0)


class TestTheRollupGivesTheLedgersFigures:
    """On the seed, the Panel tables and balances by authority from the rollup equal the ledger's sums."""

    def test_the_seed_leaves_the_rollup_equal_to_a_rebuild(self, seeded: Session) -> None:
        assert_agrees(seeded)

    def test_a_rebuild_and_a_check_in_slices_of_agreements_give_the_whole(
        self, seeded: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def stored() -> list[tuple[Any, ...]]:
            return [
                tuple(row)
                for table in (
                    RollupMonth,
                    RollupAgreementMonth,
                    RollupAgreementPurposeMonth,
                    RollupPeriodChange,
                    RollupAgreementPeriodChange,
                    RollupAgreementPurposePeriodChange,
                )
                for row in seeded.execute(select(table.__table__)).all()
            ]

        whole = sorted(stored(), key=str)
        monkeypatch.setattr(rollup, "REBUILD_SLICE", 3)  # the seed's agreements in many slices
        rollup.rebuild(seeded)
        assert sorted(stored(), key=str) == whole
        assert_agrees(seeded)
        seeded.execute(update(RollupMonth).where(RollupMonth.local_authority_id == "rutland").values(received=1))
        assert {difference.table for difference in rollup.check(seeded)} == {"rollup_months"}
        rollup.rebuild(seeded)
        # A period change that is not stored counts as none: one added where the days give none is a difference.
        seeded.add(RollupAgreementPeriodChange(local_authority_id="rutland", period=date(2019, 5, 9), agreements=1))
        seeded.flush()
        assert {difference.table for difference in rollup.check(seeded)} == {"rollup_agreement_period_changes"}
        rollup.rebuild(seeded)
        assert_agrees(seeded)

    @pytest.mark.parametrize("as_at", AS_AT, ids=str)
    def test_panel_tables_as_at(self, seeded: Session, as_at: date) -> None:
        for layout in Layout:
            for scope in (None, "charnwood"):
                from_rollup = panel_table(session=seeded, layout=layout, as_at=as_at, scope=scope)
                from_ledger = panel_table(session=seeded, layout=layout, as_at=as_at, scope=scope, from_rollup=False)
                assert from_rollup == from_ledger

    @pytest.mark.parametrize("as_at", AS_AT[::3], ids=str)
    def test_balances_by_authority_as_at(self, seeded: Session, as_at: date) -> None:
        for where in (BalanceFilter(), BalanceFilter(open_only=True), BalanceFilter(local_authority_id="blaby")):
            for limit, offset in ((None, 0), (3, 2)):
                rows, totals, count = balances(
                    seeded, group_by=GroupBy.local_authority, as_at=as_at, where=where, limit=limit, offset=offset
                )
                figures = authority_figures(seeded, as_at=as_at, where=where, limit=limit, offset=offset)
                assert (figures.rows, figures.totals, figures.count) == (rows, totals, count)

    @pytest.mark.parametrize("as_at", AS_AT[1::3], ids=str)
    def test_balances_by_purpose_as_at(self, seeded: Session, as_at: date) -> None:
        for where in (
            BalanceFilter(),
            BalanceFilter(open_only=True),
            BalanceFilter(local_authority_id="blaby"),
            BalanceFilter(local_authority_id="charnwood", open_only=True),
        ):
            for limit, offset in ((None, 0), (3, 2)):
                arguments: dict[str, Any] = {"as_at": as_at, "where": where, "limit": limit, "offset": offset}
                from_ledger = balances(seeded, group_by=GroupBy.purpose, **arguments)
                assert rollup_balances(seeded, group_by=GroupBy.purpose, **arguments) == from_ledger

    @pytest.mark.parametrize("as_at", [date(2016, 11, 15), date(2023, 3, 17), date.today()], ids=str)
    def test_the_endpoint_by_purpose_answers_the_ledgers_figures(self, seeded: Session, api: Any, as_at: date) -> None:
        rows = by_purpose(api, seeded, as_at)
        assert rows["total"]["agreements"] > 0 or as_at.year < 2010
        by_purpose(api, seeded, as_at, open_only=True)
        by_purpose(api, seeded, as_at, role="planning")
        by_purpose(api, seeded, as_at, local_authority="charnwood", open_only=True)

    def test_the_endpoint_answers_the_ledgers_figures(self, seeded: Session, api: Any) -> None:
        as_at = date(2023, 3, 17)
        response = api.get("/balances", params={"group_by": "local_authority", "as_at": as_at.isoformat()})
        assert response.status_code == 200, response.text
        rows, totals, _count = balances(seeded, group_by=GroupBy.local_authority, as_at=as_at)
        body = response.json()
        assert [row["key"] for row in body["rows"]] == [row.key for row in rows]
        assert [row["total_value"] for row in body["rows"]] == [str(row.total_value) for row in rows]
        assert body["totals"]["held_by_local_authority"] == str(totals.held_by_local_authority)
        assert body["totals"]["agreements"] == totals.agreements > 0


class TestCommandLine:
    """`s106 rollup check` exits 1 on a difference and names it; `s106 rollup rebuild` repairs it."""

    @pytest.fixture
    def cli_session(self, seeded: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
        class InTestTransaction:
            @contextmanager
            def begin(self) -> Iterator[Session]:
                yield seeded

        monkeypatch.setattr(rollup_cli, "get_sessionmaker", InTestTransaction)
        return seeded

    def test_check_rebuild_check(self, cli_session: Session) -> None:
        assert CliRunner().invoke(main, ["rollup", "check"]).exit_code == 0
        authority = cli_session.scalar(select(LocalAuthority.id).where(LocalAuthority.id == "blaby"))
        purpose, month = cli_session.execute(
            select(RollupMonth.purpose, RollupMonth.month).where(RollupMonth.local_authority_id == authority).limit(1)
        ).one()
        cli_session.execute(
            update(RollupMonth)
            .where(
                RollupMonth.local_authority_id == authority, RollupMonth.purpose == purpose, RollupMonth.month == month
            )
            .values(received=RollupMonth.received + 1)
        )
        broken = CliRunner().invoke(main, ["check-rollup"])
        assert broken.exit_code == 1, broken.output
        assert "rollup_months (blaby" in broken.output and "received" in broken.output
        assert "1 differences" in broken.output
        assert CliRunner().invoke(main, ["rollup", "rebuild"]).exit_code == 0
        assert CliRunner().invoke(main, ["rollup", "check"]).exit_code == 0


class TestMonthEnds:
    """The month ends are kept up to the current month; months passing without a write, and days after the
    latest month, still give the ledger's figures."""

    @staticmethod
    def _agrees_with_the_ledger(session: Session, dates: list[date]) -> None:
        assert_agrees(session)
        for as_at in dates:
            for layout in Layout:
                computed = panel_table(session=session, layout=layout, as_at=as_at, scope=None)
                summed = panel_table(session=session, layout=layout, as_at=as_at, scope=None, from_rollup=False)
                assert computed == summed, (layout, as_at)

    def test_a_read_needs_one_row_per_authority_and_purpose_however_long_the_history(
        self, api: Any, session: Session
    ) -> None:
        made = funded_contribution(api, amount="20000.00", received="1000.00")
        for year in range(2020, 2026):
            assert movement(api, made["id"], "received", "10.00", date(year, 9, 1)).status_code == 201
        session.commit()
        months = session.scalars(
            select(RollupMonth.month).where(RollupMonth.local_authority_id == "blaby").order_by(RollupMonth.month)
        ).all()
        assert months[-1] == rollup.current_month()
        assert len(months) == len(rollup.months_from(months[0], months[-1]))  # dense: no month missing
        rows = (
            session.execute(select(RollupMonth.received).where(RollupMonth.month == date(2025, 2, 1))).scalars().all()
        )
        assert rows == [Decimal("1050.00")]

    def test_months_passing_without_a_write_then_a_write_that_brings_them_up(
        self, api: Any, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(rollup, "current_month", lambda: date(2024, 1, 1))
        made = funded_contribution(api, amount="20000.00", received="5000.00")
        assert movement(api, made["id"], "drawn", "1000.00", date(2024, 1, 10)).status_code == 201
        # Dated after the latest month the writer knew of: kept in the days, reaching the months later.
        assert movement(api, made["id"], "received", "700.00", date(2024, 3, 5)).status_code == 201
        session.commit()
        assert rollup.STAGE_PERIODS.horizon(session) == date(2024, 1, 1)
        dates = [date(2024, 1, 31), date(2024, 2, 15), date(2024, 3, 4), date(2024, 3, 5), date(2024, 6, 30)]
        self._agrees_with_the_ledger(session, [*dates, date.today()])

        monkeypatch.setattr(rollup, "current_month", lambda: date(2024, 5, 1))
        other = funded_contribution(api, reference="19/0099/OUT", purpose="vehicles", amount="900.00", received=None)
        assert movement(api, other["id"], "received", "300.00", date(2024, 4, 20)).status_code == 201
        session.commit()
        assert rollup.STAGE_PERIODS.horizon(session) == date(2024, 5, 1)
        assert rollup.AGREEMENT_PERIODS.horizon(session) == date(2024, 5, 1)
        march = session.execute(
            select(RollupMonth.received).where(
                RollupMonth.local_authority_id == "blaby",
                RollupMonth.purpose == made["purpose"],
                RollupMonth.month == date(2024, 3, 1),
            )
        ).scalar_one()
        assert march == Decimal("5700.00")
        self._agrees_with_the_ledger(session, [*dates, date(2024, 4, 30), date(2024, 5, 2), date.today()])

    def test_a_rebuild_gives_the_same_month_ends_as_the_writes_kept(
        self, api: Any, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(rollup, "current_month", lambda: date(2022, 6, 1))
        made = funded_contribution(api, amount="8000.00", received="2000.00")
        assert movement(api, made["id"], "received", "500.00", date(2021, 1, 4)).status_code == 201
        session.commit()
        kept = session.execute(select(RollupMonth).order_by(RollupMonth.local_authority_id, RollupMonth.month))
        before = [(row.local_authority_id, row.purpose, row.month, row.received) for row in kept.scalars()]
        rollup.rebuild(session)
        rebuilt = session.execute(select(RollupMonth).order_by(RollupMonth.local_authority_id, RollupMonth.month))
        after = [(row.local_authority_id, row.purpose, row.month, row.received) for row in rebuilt.scalars()]
        assert before == after and before[-1][2] == date(2022, 6, 1)


def boundary_dates(month: date) -> list[date]:
    """The days on and either side of each period's first day in a month, and of its end."""
    following = (month + timedelta(days=32)).replace(day=1)
    dates = [month.replace(day=day + shift) for day in (9, 17, 25) for shift in (-1, 0, 1)]
    return [*dates, following - timedelta(days=2), following - timedelta(days=1), following]


class TestPeriods:
    """The month ends and the period changes from the 9th, 17th and 25th of each month give the figures at each
    quarter month's end; reads on either side of each boundary, and a write dated back across many months, give
    the ledger's figures."""

    def test_every_date_reads_a_month_end_at_most_one_period_change_and_at_most_four_days(self) -> None:
        day = date(2023, 12, 20)
        while day < date(2025, 3, 10):
            plan = rollup.reading(day, date(2026, 1, 1), date(2026, 6, 1))
            # The period end read is the range's last day (sign -1), or the day before its first (sign 1).
            read_to = plan.last_day if plan.sign == -1 else plan.first_day - timedelta(days=1)
            following = read_to + timedelta(days=1)
            assert read_to == rollup.period_end(read_to)
            assert plan.month == rollup.previous_month(following)
            assert plan.period == (None if following.day == 1 else following)
            assert (plan.last_day if plan.sign == 1 else plan.first_day - timedelta(days=1)) == day
            assert (plan.last_day - plan.first_day).days + 1 <= 4, day
            day += timedelta(days=1)
        assert [rollup.period_of(date(2024, 2, day)).day for day in (1, 8, 9, 16, 17, 24, 25, 29)] == [
            1,
            1,
            9,
            9,
            17,
            17,
            25,
            25,
        ]
        assert rollup.periods_within(date(2024, 2, 9)) == [date(2024, 2, 17), date(2024, 2, 25)]

    def test_reads_on_and_either_side_of_each_boundary(self, api: Any, session: Session) -> None:
        months = (date(2023, 3, 1), date(2023, 4, 1), date(2024, 2, 1))
        made = funded_contribution(api, amount="90000.00", received=None)
        other = funded_contribution(api, reference="19/0101/OUT", purpose="vehicles", amount="50000.00", received=None)
        # A step on every boundary day, so that a read choosing the wrong period end or day range differs.
        for index, on in enumerate(on for month in months for on in boundary_dates(month)):
            target = made if index % 2 else other
            assert movement(api, target["id"], "received", f"{index + 1}.00", on).status_code == 201
        assert event(api, other["id"], "at_risk", date(2023, 4, 17)).status_code == 201
        session.commit()
        assert_agrees(session)
        stored = dict(
            session.execute(
                select(RollupPeriodChange.period, RollupPeriodChange.received).where(
                    RollupPeriodChange.local_authority_id == "blaby", RollupPeriodChange.purpose == made["purpose"]
                )
            ).all()
        )
        # The change of the period from 17 March holds March's days before it: the receipts of 9 and 16 March.
        assert stored[date(2023, 3, 17)] == Decimal("2.00") + Decimal("4.00")
        assert stored.get(date(2023, 3, 9), ZERO) == ZERO
        for month in months:
            for as_at in boundary_dates(month):
                for layout in Layout:
                    from_rollup = panel_table(session=session, layout=layout, as_at=as_at, scope=None)
                    from_ledger = panel_table(
                        session=session, layout=layout, as_at=as_at, scope=None, from_rollup=False
                    )
                    assert from_rollup == from_ledger, (layout, as_at)
                for group_by in (GroupBy.local_authority, GroupBy.purpose):
                    arguments: dict[str, Any] = {"as_at": as_at, "where": BalanceFilter(), "limit": None, "offset": 0}
                    from_ledger_rows = balances(session, group_by=group_by, **arguments)
                    assert rollup_balances(session, group_by=group_by, **arguments) == from_ledger_rows, as_at

    def test_the_horizons_month_has_no_period_changes_until_the_horizon_moves_past_it(
        self, api: Any, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(rollup, "current_month", lambda: date(2024, 5, 1))
        made = funded_contribution(api, amount="90000.00", received=None)
        other = funded_contribution(api, reference="19/0101/OUT", purpose="vehicles", amount="50000.00", received=None)
        may = boundary_dates(date(2024, 5, 1))[:-1]
        for index, on in enumerate([date(2024, 4, 20), *may]):
            target = made if index % 2 else other
            assert movement(api, target["id"], "received", f"{index + 1}.00", on).status_code == 201
        session.commit()

        def changes(period: date) -> dict[str, Decimal]:
            query = select(RollupPeriodChange.purpose, RollupPeriodChange.received).where(
                RollupPeriodChange.local_authority_id == "blaby", RollupPeriodChange.period == period
            )
            return {str(purpose): received for purpose, received in session.execute(query)}

        # Dated in the current month (the horizon's), the receipts wrote no period change; April's did.
        assert session.scalar(select(func.count()).where(RollupPeriodChange.period >= date(2024, 5, 1))) == 0
        in_may = RollupAgreementPeriodChange.period >= date(2024, 5, 1)
        assert session.scalar(select(func.count()).where(in_may)) == 0
        assert changes(date(2024, 4, 25)) == {other["purpose"]: Decimal("1.00")}
        # Dates after the 9th, 17th and 25th of the current month, with days before them, read as the ledger does.
        TestMonthEnds._agrees_with_the_ledger(session, [date(2024, 4, 30), *may])
        plan = rollup.reading(date(2024, 5, 26), date(2024, 5, 1), date(2024, 5, 31))
        assert plan == rollup.Reading(date(2024, 4, 1), None, 1, date(2024, 5, 1), date(2024, 5, 26))

        # The month turns: the next write brings the month ends into June and fills May's period changes.
        monkeypatch.setattr(rollup, "current_month", lambda: date(2024, 6, 1))
        assert movement(api, made["id"], "received", "100.00", date(2024, 6, 2)).status_code == 201
        session.commit()
        assert rollup.STAGE_PERIODS.horizon(session) == date(2024, 6, 1)
        received_before_17 = sum(Decimal(f"{index + 2}.00") for index, on in enumerate(may) if on.day < 17)
        assert sum(changes(date(2024, 5, 17)).values()) == received_before_17
        assert session.scalar(select(func.count()).where(RollupPeriodChange.period >= date(2024, 6, 1))) == 0
        # A write back-dated into May now adds to May's later period changes; one dated in June to none.
        before = changes(date(2024, 5, 17))[other["purpose"]]
        assert movement(api, other["id"], "received", "7.00", date(2024, 5, 12)).status_code == 201
        assert movement(api, other["id"], "received", "3.00", date(2024, 6, 1)).status_code == 201
        session.commit()
        assert changes(date(2024, 5, 17))[other["purpose"]] == before + Decimal("7.00")
        assert session.scalar(select(func.count()).where(RollupPeriodChange.period >= date(2024, 6, 1))) == 0
        TestMonthEnds._agrees_with_the_ledger(session, [*may, date(2024, 5, 31), date(2024, 6, 1), date(2024, 6, 2)])

    def test_a_back_dated_write_moves_every_later_month_end_and_its_own_months_later_period_changes(
        self, api: Any, session: Session
    ) -> None:
        made = funded_contribution(api, amount="20000.00", received="1000.00", received_on=date(2020, 6, 1))
        session.commit()

        def received() -> dict[date, Decimal]:
            query = select(RollupMonth.month, RollupMonth.received).where(
                RollupMonth.local_authority_id == "blaby", RollupMonth.purpose == made["purpose"]
            )
            return dict(session.execute(query).all())

        def changes() -> dict[date, Decimal]:
            query = select(RollupPeriodChange.period, RollupPeriodChange.received).where(
                RollupPeriodChange.local_authority_id == "blaby", RollupPeriodChange.purpose == made["purpose"]
            )
            return dict(session.execute(query).all())

        before, changes_before = received(), changes()
        on = date.today() - timedelta(days=75)
        assert movement(api, made["id"], "received", "250.00", on).status_code == 201
        session.commit()
        after, changes_after = received(), changes()
        moved = [month for month in after if after[month] != before[month]]
        assert moved == rollup.months_from(on, rollup.current_month())
        assert len(moved) >= 3
        assert all(after[month] - before[month] == Decimal("250.00") for month in moved)
        moved_changes = [
            period for period in changes_after if changes_after[period] != changes_before.get(period, ZERO)
        ]
        assert moved_changes == rollup.periods_within(on)
        assert all(changes_after[period] - changes_before.get(period, ZERO) == 250 for period in moved_changes)
        assert_agrees(session)
        for as_at in (on - timedelta(days=1), on, rollup.period_end(on), on + timedelta(days=20), date.today()):
            figures = authority_figures(session, as_at=as_at, where=BalanceFilter(local_authority_id="blaby"))
            expected = Decimal("1250.00") if as_at >= on else Decimal("1000.00")
            assert figures.totals.received_by_local_authority == expected, as_at
            _rows, totals, _count = balances(session, group_by=GroupBy.local_authority, as_at=as_at)
            assert authority_figures(session, as_at=as_at, where=BalanceFilter()).totals == totals
