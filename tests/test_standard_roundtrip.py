"""Round trip: a generated ledger exported as the three files and imported into an empty database gives back
every contribution's balances at every stage, as at any date, to the penny, with no flagged adjustment."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ContributionEvent, EventKind
from app.synthetic.generate import Scale, generate
from tests.round_trip import checkpoints, export_every_authority, figures_by_contribution, import_every_authority
from tests.servers import scratch_database

TODAY = date.today()


def test_export_then_import_gives_back_every_balance_as_at_every_date() -> None:
    with scratch_database("roundtrip_source") as (_url, source), scratch_database("roundtrip_target") as (_u, target):
        with Session(source) as session, session.begin():
            generate(session=session, scale=Scale(authorities=2, agreements=24), seed=16, today=TODAY)
            events = session.scalars(select(ContributionEvent.kind).distinct()).all()
            assert EventKind.development_started in set(events)
        with Session(source) as session:
            exported = export_every_authority(session, TODAY)
            dates = checkpoints(session, TODAY)
            before = {when: figures_by_contribution(session, when) for when in dates}
            assert len(before[TODAY]) == 72
            assert any(figures["total_value"] != figures["not_started"] for figures in before[TODAY].values())
        with Session(target) as session, session.begin():
            # A few agreements a slice: several slices per authority, each written whole before the next is read.
            import_every_authority(session, exported, slice_rows=40)
        with Session(target) as session:
            for when in dates:
                assert figures_by_contribution(session, when) == before[when], when
