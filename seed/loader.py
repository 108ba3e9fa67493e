"""Load the seed data (CSV files beside this module) into an empty database, in the caller's transaction."""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.bids.schemas import BidCreate, FormulaCreate, OutcomeCreate
from app.bids.service import create_bid, create_formula, record_outcome
from app.drawdowns.schemas import DrawdownCreate, LineCreate
from app.drawdowns.service import approve, create_drawdown, pay, submit
from app.instalments.service import give_bare_contributions_one_instalment, write_schedule
from app.instalments.wording import read_schedule
from app.investment.schemas import InvestmentItemCreate
from app.investment.service import create_item
from app.ledger import rollup
from app.models import (
    Agreement,
    BidOutcome,
    Contribution,
    ContributionEvent,
    DocumentKind,
    EventKind,
    LocalAuthority,
    Movement,
    MovementKind,
    Purpose,
    Regime,
    ReleaseBasis,
    Role,
    TriggerType,
)
from app.projects.schemas import AllocationCreate, ProjectCreate
from app.projects.service import allocate, create_project
from app.repurposing.schemas import RepurposingCreate
from app.repurposing.service import repurpose
from app.spend.schemas import ChargeCreate, SpendCreate
from app.spend.service import record_spend

SEED_DIR = Path(__file__).resolve().parent
RECORDED_BY = "seed"
SEED = Principal(name=RECORDED_BY, role=Role.officer)


def _rows(name: str) -> list[dict[str, str]]:
    with (SEED_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _optional_int(text: str) -> int | None:
    return int(text) if text else None


def load_local_authorities(session: Session, rows: list[dict[str, str]] | None = None, *, rules: bool = True) -> None:
    """The nine authorities and their release rules; an authority already present takes the seed's details.

    Without `rules`, an arrears authority takes the generic in-arrears rule and no evidence list, as the
    seed's requests were made before each authority's rules were written down (the 2021 report, para 16:
    Charnwood rejected some for that reason); `load_release_rules` applies today's rules after them.
    """
    for row in rows if rows is not None else _rows("local_authorities.csv"):
        authority = session.get(LocalAuthority, row["id"]) or LocalAuthority(id=row["id"])
        authority.name = row["name"]
        authority.organisation = row["organisation"] or None
        authority.regime = Regime(row["regime"])
        authority.release_evidence = [item.strip() for item in row["release_evidence"].split(";") if item.strip()]
        authority.release_notes = row["release_notes"] or None
        session.add(authority)
        if rules:
            _apply_release_rules(authority, row)
        else:
            basis = ReleaseBasis(row["release_basis"]) if row["release_basis"] else None
            if basis is not None and basis.value.startswith("in_arrears"):
                basis = ReleaseBasis.in_arrears
            authority.release_basis = basis
            authority.evidence_kinds = []
            authority.own_template = False
    session.flush()


def _apply_release_rules(authority: LocalAuthority, row: dict[str, str]) -> None:
    authority.release_basis = ReleaseBasis(row["release_basis"]) if row["release_basis"] else None
    authority.evidence_kinds = [DocumentKind(item.strip()).value for item in row["evidence_kinds"].split(";") if item]
    authority.own_template = row["own_template"] == "yes"


def load_release_rules(session: Session, rows: list[dict[str, str]]) -> None:
    """Each authority's release rules as they stand, last: every request made from now on is checked by them."""
    for row in rows:
        authority = session.get(LocalAuthority, row["id"])
        assert authority is not None
        _apply_release_rules(authority, row)
    session.flush()


def load_agreements(session: Session, rows: list[dict[str, str]]) -> dict[str, int]:
    """Agreements, returning their ids by seed key."""
    agreements = {
        row["key"]: Agreement(
            local_authority_id=row["local_authority_id"],
            reference=row["reference"],
            site=row["site"],
            developer=row["developer"] or None,
            signed_on=date.fromisoformat(row["signed_on"]),
            dwellings=_optional_int(row["dwellings"]),
            notes=row["notes"] or None,
            created_by=RECORDED_BY,
        )
        for row in rows
    }
    session.add_all(agreements.values())
    session.flush()
    return {key: agreement.id for key, agreement in agreements.items()}


def close_agreements(session: Session, rows: list[dict[str, str]], agreement_ids: dict[str, int]) -> None:
    """Close the completed agreements, last: a closed agreement takes no more money, spend or drawdowns."""
    for row in rows:
        if row["closed_on"]:
            agreement = session.get(Agreement, agreement_ids[row["key"]])
            assert agreement is not None
            agreement.closed_on = date.fromisoformat(row["closed_on"])
    session.flush()


def load_contributions(session: Session, rows: list[dict[str, str]], agreement_ids: dict[str, int]) -> dict[str, int]:
    """Contributions, returning their ids by seed key."""
    contributions = {
        row["key"]: Contribution(
            agreement_id=agreement_ids[row["agreement"]],
            purpose=Purpose(row["purpose"]),
            trigger_type=TriggerType(row["trigger_type"]),
            trigger_threshold=_optional_int(row["trigger_threshold"]),
            trigger_description=row["trigger_description"] or None,
            repayment_period_years=_optional_int(row["repayment_period_years"]),
            notes=row["notes"] or None,
            created_by=RECORDED_BY,
        )
        for row in rows
    }
    session.add_all(contributions.values())
    session.flush()
    return {key: contribution.id for key, contribution in contributions.items()}


def movement_values(rows: list[dict[str, str]], contribution_ids: dict[str, int]) -> list[dict[str, Any]]:
    """Movement rows ready for one bulk insert."""
    return [
        {
            "contribution_id": contribution_ids[row["contribution"]],
            "kind": MovementKind(row["kind"]),
            "amount": Decimal(row["amount"]),
            "on": date.fromisoformat(row["on"]),
            "reference": row["reference"] or None,
            "note": row["note"] or None,
            "adjustment": False,
            "recorded_by": RECORDED_BY,
        }
        for row in rows
    ]


def event_values(rows: list[dict[str, str]], contribution_ids: dict[str, int]) -> list[dict[str, Any]]:
    """Event rows ready for one bulk insert."""
    return [
        {
            "contribution_id": contribution_ids[row["contribution"]],
            "kind": EventKind(row["kind"]),
            "on": date.fromisoformat(row["on"]),
            "note": row["note"] or None,
            "recorded_by": RECORDED_BY,
        }
        for row in rows
    ]


def _grouped(rows: list[dict[str, str]], key: str) -> dict[str, list[dict[str, str]]]:
    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return groups


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def load_investment_items(session: Session, rows: list[dict[str, str]]) -> dict[str, int]:
    """Items of the investment strategy the 2024 projects deliver, through the investment service, by name."""
    ids = {}
    for row in rows:
        data = InvestmentItemCreate.model_validate(
            {name: value or None for name, value in row.items()} | {"estimate": f"{Decimal(row['estimate']):.2f}"}
        )
        ids[row["name"]] = create_item(session=session, principal=SEED, data=data).id
    return ids


def load_projects(session: Session, rows: list[dict[str, str]], item_ids: dict[str, int]) -> dict[str, int]:
    """The 2024 report's projects, through the projects service, each linked to its investment item, by name."""
    ids = {}
    for row in rows:
        data = ProjectCreate.model_validate(
            {
                "name": row["name"],
                "funding": row["funding"],
                "local_authority_id": row["local_authority"] or None,
                "category": row["category"],
                "stage": row["stage"],
                "estimate_low": row["estimate_low"],
                "estimate_high": row["estimate_high"],
                "investment_item_id": item_ids[row["investment_item"]] if row["investment_item"] else None,
                "notes": row["note"] or None,
            }
        )
        ids[row["name"]] = create_project(session=session, principal=SEED, data=data).id
    return ids


def load_instalments(session: Session, rows: list[dict[str, str]], contribution_ids: dict[str, int]) -> None:
    """Illustrative tranches, read from trigger wording as councils publish it (as the importer reads it)."""
    for row in rows:
        reading = read_schedule(row["schedule"])
        if not reading.fully_read:
            raise ValueError(f"seed instalments for {row['contribution']}: cannot read {reading.unread}")
        contribution = session.get_one(Contribution, contribution_ids[row["contribution"]])
        write_schedule(session=session, principal=SEED, contribution=contribution, schedule=reading.instalments)


def load_repurposings(session: Session, rows: list[dict[str, str]], contribution_ids: dict[str, int]) -> None:
    """Changes of purpose with the authority's consent, through the repurposing service."""
    for row in rows:
        data = RepurposingCreate.model_validate(
            {
                "purpose": row["purpose"],
                "consented_on": row["consented_on"],
                "consent_reference": row["consent_reference"],
                "note": row["note"] or None,
            }
        )
        repurpose(session=session, principal=SEED, contribution_id=contribution_ids[row["contribution"]], data=data)


def load_allocations(
    session: Session, rows: list[dict[str, str]], project_ids: dict[str, int], contribution_ids: dict[str, int]
) -> None:
    """Money of contributions identified for projects."""
    for row in rows:
        data = AllocationCreate(contribution_id=contribution_ids[row["contribution"]], amount=Decimal(row["amount"]))
        allocate(session=session, principal=SEED, project_id=project_ids[row["project"]], data=data)


def load_spend(
    session: Session, rows: list[dict[str, str]], project_ids: dict[str, int], contribution_ids: dict[str, int]
) -> dict[str, int]:
    """Invoices, one row per charge (none: paid by the force alone), returning their ids by reference."""
    ids = {}
    for reference, charges in _grouped(rows, "invoice_reference").items():
        first = charges[0]
        data = SpendCreate(
            project_id=project_ids[first["project"]],
            on=date.fromisoformat(first["on"]),
            supplier=first["supplier"],
            invoice_reference=reference,
            amount=Decimal(first["amount"]),
            charges=[
                ChargeCreate(contribution_id=contribution_ids[row["contribution"]], amount=Decimal(row["charged"]))
                for row in charges
                if row["contribution"]
            ],
            note=first["note"] or None,
        )
        ids[reference] = record_spend(session=session, principal=SEED, data=data).id
    return ids


def load_drawdowns(
    session: Session,
    rows: list[dict[str, str]],
    project_ids: dict[str, int],
    contribution_ids: dict[str, int],
    spend_ids: dict[str, int],
) -> None:
    """Requests (one row per line) taken as far as their dates go: submitted, approved, paid.

    A paid request's payment posts its drawn movements, which is why movements.csv leaves them out.
    """
    for reference, lines in _grouped(rows, "reference").items():
        first = lines[0]
        data = DrawdownCreate(
            local_authority_id=first["local_authority"],
            project_id=project_ids[first["project"]],
            lines=[
                LineCreate(contribution_id=contribution_ids[row["contribution"]], amount=Decimal(row["amount"]))
                for row in lines
            ],
            reference=reference,
            invoice_spend_ids=[spend_ids[invoice] for invoice in first["invoices"].split(";") if invoice],
            note=first["note"] or None,
        )
        drawdown_id = create_drawdown(session=session, principal=SEED, data=data).id
        submit(session=session, drawdown_id=drawdown_id, on=_day(first["submitted_on"]))
        if first["approved_on"]:
            approve(session=session, principal=SEED, drawdown_id=drawdown_id, on=_day(first["approved_on"]))
        paid_on = _day(first["paid_on"])
        if paid_on is not None:
            pay(session=session, principal=SEED, drawdown_id=drawdown_id, on=paid_on, reference=reference)


ILLUSTRATIVE_FORMULA = "Illustrative LLR per-dwelling formula"
FORMULA_BASE_DATE = date(2024, 4, 1)


def load_bids(
    session: Session, formula_rows: list[dict[str, str]], rows: list[dict[str, str]], agreement_ids: dict[str, int]
) -> None:
    """An illustrative formula version and a few illustrative bids, through the bids service.

    A secured bid is linked to the seeded agreement it became (the seed's agreements are made first, by
    the agreement loader, so the Panel's tables stay as published).
    """
    formula = create_formula(
        session=session,
        principal=SEED,
        data=FormulaCreate.model_validate(
            {
                "name": ILLUSTRATIVE_FORMULA,
                "base_date": FORMULA_BASE_DATE,
                "items": [{name: value or None for name, value in row.items()} for row in formula_rows],
                "notes": "Illustrative figures, not the force's formula (the 2024 report: still under review).",
            }
        ),
    )
    for row in rows:
        uses_formula = row["formula"] == "yes"
        data = BidCreate.model_validate(
            {
                "local_authority_id": row["local_authority_id"],
                "application_reference": row["application_reference"],
                "site": row["site"],
                "dwellings": int(row["dwellings"]),
                "houses": _optional_int(row["houses"]),
                "flats": _optional_int(row["flats"]),
                "consulted_on": row["consulted_on"],
                "respond_by": row["respond_by"] or None,
                "responded_on": row["responded_on"] or None,
                "formula_id": formula.id if uses_formula else None,
                "calculated_on": (row["responded_on"] or row["consulted_on"]) if uses_formula else None,
                "amount_bid": row["amount_bid"] or None,
                "notes": row["notes"],
            }
        )
        bid = create_bid(session=session, principal=SEED, data=data)
        if row["agreement"]:
            bid.outcome = BidOutcome.secured
            bid.outcome_on = date.fromisoformat(row["outcome_on"])
            bid.agreement_id = agreement_ids[row["agreement"]]
        elif row["outcome"]:
            ended = OutcomeCreate(outcome=BidOutcome(row["outcome"]), on=date.fromisoformat(row["outcome_on"]))
            record_outcome(session=session, bid_id=bid.id, data=ended)
    session.flush()


def load_seed(*, session: Session, console: Console) -> bool:
    """Load everything in the caller's one transaction; a database that has agreements is left alone (False).

    Authorities already present (a token's authority, say) are updated, not duplicated. Movements are
    inserted in bulk rather than through record_movement for speed; the seed's tests walk every month
    end to prove they keep the ledger's rules. Projects and their money go through the services, which
    post the drawn and spent movements of paid requests and charged invoices.
    """
    if session.scalar(select(Agreement.id).limit(1)) is not None:
        return False
    files = ["local_authorities", "agreements", "contributions", "movements", "events", "instalments"]
    files += ["investment_items", "projects", "repurposings", "allocations", "spend", "drawdowns"]
    files += ["bid_formula", "bids"]
    data = {name: _rows(f"{name}.csv") for name in files}
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("seeding", total=sum(len(rows) for rows in data.values()))

        def done(name: str) -> None:
            progress.update(task, advance=len(data[name]), description=f"loaded {name.replace('_', ' ')}")

        load_local_authorities(session, data["local_authorities"], rules=False)
        done("local_authorities")
        agreement_ids = load_agreements(session, data["agreements"])
        done("agreements")
        contribution_ids = load_contributions(session, data["contributions"], agreement_ids)
        done("contributions")
        session.execute(insert(Movement), movement_values(data["movements"], contribution_ids))
        done("movements")
        session.execute(insert(ContributionEvent), event_values(data["events"], contribution_ids))
        give_bare_contributions_one_instalment(session, recorded_by=RECORDED_BY)
        done("events")
        load_instalments(session, data["instalments"], contribution_ids)
        done("instalments")
        item_ids = load_investment_items(session, data["investment_items"])
        done("investment_items")
        project_ids = load_projects(session, data["projects"], item_ids)
        done("projects")
        load_repurposings(session, data["repurposings"], contribution_ids)
        done("repurposings")
        load_allocations(session, data["allocations"], project_ids, contribution_ids)
        done("allocations")
        spend_ids = load_spend(session, data["spend"], project_ids, contribution_ids)
        done("spend")
        load_drawdowns(session, data["drawdowns"], project_ids, contribution_ids, spend_ids)
        done("drawdowns")
        load_bids(session, data["bid_formula"], data["bids"], agreement_ids)
        done("bid_formula")
        done("bids")
        close_agreements(session, data["agreements"], agreement_ids)
        load_release_rules(session, data["local_authorities"])
    session.flush()
    # The movements and events went in by bulk insert, past the rollup's upkeep: derive it whole.
    rollup.rebuild(session)
    said = {"bid_formula": "bid formula lines"}
    console.print(
        ", ".join(f"{len(data[name])} {said.get(name, name.replace('_', ' '))}" for name in files) + " loaded"
    )
    return True
