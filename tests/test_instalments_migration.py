"""Migration 0017c: every contribution held before it becomes one instalment of 100% at its own trigger."""

from sqlalchemy import text

from tests.conftest import alembic_config
from tests.servers import scratch_database


def test_existing_contributions_become_one_instalment_due_when_their_trigger_was_met() -> None:
    from alembic import command

    with scratch_database("instalments_migration") as (_url, engine):
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0017c-1")
            connection.execute(
                text(
                    "INSERT INTO local_authorities (id, name, regime, release_evidence, evidence_kinds, own_template) "
                    "VALUES ('blaby', 'Blaby', 's106', '[]', '[]', false)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO agreements (id, local_authority_id, reference, site, signed_on, agreement_type, "
                    "created_by) VALUES (1, 'blaby', '19/0001', 'Site', '2019-04-01', 'section-106', 'test')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO contributions (id, agreement_id, purpose, trigger_type, trigger_threshold, "
                    "trigger_description, created_by) VALUES "
                    "(1, 1, 'equipment', 'on_occupation', 50, 'prior to the 50th occupation', 'test'), "
                    "(2, 1, 'premises', 'on_commencement', NULL, NULL, 'test')"
                )
            )
            connection.execute(
                text(
                    'INSERT INTO contribution_events (id, contribution_id, kind, "on", recorded_by) VALUES '
                    "(1, 2, 'trigger_met', '2021-03-01', 'officer'), (2, 2, 'trigger_met', '2020-06-01', 'officer')"
                )
            )
            command.upgrade(alembic_config(connection), "0017c")
            instalments = connection.execute(
                text(
                    "SELECT contribution_id, position, share_percent, share_amount, trigger_type, threshold, "
                    "threshold_unit, description FROM instalments ORDER BY contribution_id"
                )
            ).all()
            assert [(row[0], row[1], float(row[2]), row[3], row[4], row[5], row[6], row[7]) for row in instalments] == [
                (1, 1, 100.0, None, "on_occupation", 50, "dwellings", "prior to the 50th occupation"),
                (2, 1, 100.0, None, "on_commencement", None, "dwellings", None),
            ]
            due = connection.execute(
                text(
                    'SELECT i.contribution_id, d."on", d.event_id FROM instalment_due d JOIN instalments i '
                    "ON i.id = d.instalment_id"
                )
            ).all()
            assert [(row[0], str(row[1]), row[2]) for row in due] == [(2, "2020-06-01", 2)]
            command.upgrade(alembic_config(connection), "head")
