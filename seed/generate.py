"""Write the illustrative agreement-level ledger whose reports reproduce the Panel's published tables.

Run once with `python -m seed.generate`; it rewrites agreements.csv, contributions.csv, movements.csv and
events.csv beside it, which are the seed's source (the loader never runs this). The published tables
in seed/published/ give totals by authority only; this script invents agreements, sites, developers
and dates that add up to them, deterministically (a fixed random seed). See seed/README.md.
"""

import csv
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent
PUBLISHED = SEED_DIR / "published"
AS_AT_2021 = date(2021, 1, 26)
AS_AT_2024 = date(2024, 1, 31)
PENNY_NUDGE = Decimal("0.30")
ARREARS = {"blaby"}
CHARNWOOD_FIRST_RELEASE = (Decimal("63485"), date(2021, 3, 10))

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
HELD_COLUMNS = {
    "held_premises": "premises",
    "held_equipment": "equipment",
    "held_vehicles": "vehicles",
    "held_crime_prevention": "crime_prevention",
    "held_policing_requirements_linked_to_development": "policing_requirements",
    "held_policing_in_area": "policing_in_area",
    "held_no_prescription": "no_prescription",
}
# How many of each authority's 2021 agreements stay open to 2024 (the rest are completed and closed).
PERSISTING = {
    "blaby": 8,
    "charnwood": 14,
    "harborough": 7,
    "hinckley-and-bosworth": 5,
    "melton": 2,
    "north-west-leicestershire": 13,
    "oadby-and-wigston": 0,
    "rutland": 6,
}
TOWNS = {
    "blaby": ["Enderby", "Narborough", "Whetstone", "Glenfield", "Countesthorpe", "Kirby Muxloe", "Sapcote"],
    "charnwood": ["Loughborough", "Shepshed", "Syston", "Birstall", "Anstey", "Quorn", "Sileby", "Thurmaston"],
    "harborough": ["Lutterworth", "Market Harborough", "Broughton Astley", "Kibworth", "Fleckney", "Ullesthorpe"],
    "hinckley-and-bosworth": ["Hinckley", "Barwell", "Earl Shilton", "Burbage", "Market Bosworth", "Groby"],
    "melton": ["Melton Mowbray", "Asfordby", "Bottesford", "Long Clawson", "Waltham on the Wolds"],
    "north-west-leicestershire": ["Coalville", "Ashby-de-la-Zouch", "Castle Donington", "Ibstock", "Measham"],
    "oadby-and-wigston": ["Oadby", "Wigston", "South Wigston"],
    "rutland": ["Oakham", "Uppingham", "Cottesmore", "Ketton", "Edith Weston"],
}
ROADS = ["Station Road", "Mill Lane", "Leicester Road", "Church Street", "Main Street", "Brook Lane", "Hall Farm"]
SIDES = ["north", "south", "east", "west"]
DEVELOPERS = [
    "Soar Valley Homes Ltd",
    "Wreake Developments Ltd",
    "Charnwood Forest Estates Ltd",
    "Sence Brook Homes Ltd",
    "Welland Land Partnership LLP",
    "Ivanhoe Living Ltd",
    "Midshires Residential Ltd",
    "Burbage Common Homes Ltd",
]
OTHER_PURPOSES = ["premises"] * 12 + ["equipment"] * 4 + ["vehicles"] * 2 + ["crime_prevention", "policing_in_area"]
PREFERENCES = {
    "not_started": ["not_started", "held_by_developer", "held", "drawn"],
    "held_by_developer": ["held", "held_by_developer", "drawn"],
    "at_risk": ["held_by_developer"],
    "held": ["drawn", "held"],
    "drawn": ["drawn"],
}
COLUMN_OF = {
    "not_started": "not_started",
    "held_by_developer": "held_by_developer",
    "at_risk": "held_by_developer",
    "held": "held",
    "drawn": "drawn",
}
STARTED = {"held_by_developer", "at_risk", "held", "drawn"}


@dataclass(eq=False)
class Piece:
    """One contribution: its amount, its stage at each published date, and its planned ledger."""

    purpose: str
    amount: Decimal
    stage_2021: str | None
    stage_2024: str | None = None
    keep_at_risk: bool = False
    trigger: tuple[str, int | None, str] = ("on_commencement", None, "")
    notes: str = ""
    received_on: date | None = None
    drawn_on: date | None = None
    movements: list[tuple[str, Decimal, date, str]] = field(default_factory=list)
    events: list[tuple[str, date, str]] = field(default_factory=list)


@dataclass(eq=False)
class Plan:
    """One agreement."""

    authority: str
    pieces: list[Piece]
    status: str = "closed"
    signed_on: date = AS_AT_2021
    started_on: date | None = None
    closed_on: date | None = None
    site: str = ""
    developer: str = ""
    dwellings: int = 0
    reference: str = ""
    notes: str = ""
    solo: bool = False


def money(text: str) -> Decimal:
    """A published whole-pound figure."""
    return Decimal(text)


def between(rng: random.Random, low: date, high: date) -> date:
    """A random date in [low, high] (low if the range is empty)."""
    days = (high - low).days
    return low if days <= 0 else low + timedelta(days=rng.randint(0, days))


def split(rng: random.Random, amount: Decimal, parts: int) -> list[Decimal]:
    """Whole-pound shares of an amount (any pence go to the first), uneven, each at least £1."""
    whole = int(amount)
    pence = amount - whole
    parts = max(1, min(parts, whole))
    weights = [rng.randint(2, 7) for _ in range(parts)]
    shares = [max(1, whole * weight // sum(weights)) for weight in weights]
    shares[0] += whole - sum(shares)
    return [Decimal(shares[0]) + pence] + [Decimal(share) for share in shares[1:]]


def nudge_2021(row: dict[str, str]) -> dict[str, Decimal]:
    """Stage amounts whose pence make every printed 2021 figure round to itself and the row add up."""
    parts = {purpose: money(row[column]) for column, purpose in HELD_COLUMNS.items()}
    parts |= {
        "drawn": money(row["drawn_down_by_force"]),
        "not_released": money(row["not_yet_released_by_developers"]),
        "at_risk": money(row["may_not_be_released_trigger_point"]),
    }
    excess = sum(parts[purpose] for purpose in HELD_COLUMNS.values()) - money(row["held_by_local_authority"])
    for purpose in sorted(HELD_COLUMNS.values(), key=lambda name: -parts[name])[: 2 if excess else 0]:
        parts[purpose] -= PENNY_NUDGE * excess
    for name in ("not_released", "drawn", "at_risk"):
        gap = money(row["total_value_of_agreements"]) - sum(parts.values())
        if abs(gap) >= Decimal("0.5") and parts[name] > 0:
            parts[name] += PENNY_NUDGE * (1 if gap > 0 else -1)
    return parts


def pieces_2021(rng: random.Random, slug: str, row: dict[str, str]) -> list[Piece]:
    """The 2021 position split into contributions, about 1.4 per agreement."""
    parts = nudge_2021(row)
    agreements = int(row["number_of_agreements"])
    total = sum(parts.values())
    result: list[Piece] = []
    for name, amount in parts.items():
        if amount <= 0:
            continue
        count = max(1, min(int(amount // 2000) or 1, round(agreements * Decimal("1.4") * amount / total)))
        if slug == "blaby" and name == "at_risk":
            result.append(lubbesthorpe(amount))
            continue
        for index, share in enumerate(split(rng, amount, count)):
            if name in HELD_COLUMNS.values():
                result.append(Piece(purpose=name, amount=share, stage_2021="held"))
            elif name == "not_released":
                stage = "held_by_developer" if index % 3 == 1 else "not_started"
                result.append(Piece(purpose=rng.choice(OTHER_PURPOSES), amount=share, stage_2021=stage))
            else:
                result.append(Piece(purpose=rng.choice(OTHER_PURPOSES), amount=share, stage_2021=name))
    while len(result) < agreements:
        largest = max(result, key=lambda piece: piece.amount)
        first, second = split(rng, largest.amount, 2)
        largest.amount = first
        result.append(Piece(purpose=largest.purpose, amount=second, stage_2021=largest.stage_2021))
    return result


def lubbesthorpe(amount: Decimal) -> Piece:
    """The one real contribution: Lubbesthorpe's equipment sum, payable at the 2,600th occupation."""
    return Piece(
        purpose="equipment",
        amount=amount,
        stage_2021="at_risk",
        keep_at_risk=True,
        trigger=("on_occupation", 2600, "payable on the 2,600th occupation of 4,250 homes"),
        notes=(
            "Real: the equipment contribution of the Lubbesthorpe development (4,250 homes), payable at the "
            "2,600th occupation, which may never be reached; see R (PCC for Leicestershire) v Blaby DC "
            "[2014] EWHC 1719 (Admin). Dates illustrative."
        ),
    )


def group_into_agreements(rng: random.Random, slug: str, pieces: list[Piece], count: int) -> list[Plan]:
    """Each piece its own agreement, then merge pieces of like kind until there are `count` agreements."""
    # At-risk money gets an agreement of its own, tried first for staying open (where it may be cleared).
    plans = [Plan(authority=slug, pieces=[piece], solo=piece.stage_2021 == "at_risk") for piece in pieces]

    def started(plan: Plan) -> bool:
        return any((piece.stage_2021 or piece.stage_2024) in STARTED for piece in plan.pieces)

    attempts = 0
    while len(plans) > count:
        attempts += 1
        if attempts > 20000:
            raise SystemExit(f"{slug}: cannot group {len(pieces)} contributions into {count} agreements")
        first, second = rng.sample(plans, 2)
        if first.solo or second.solo or started(first) != started(second):
            continue
        purposes = {piece.purpose for piece in first.pieces}
        if attempts < 500 and any(piece.purpose in purposes for piece in second.pieces):
            continue
        first.pieces.extend(second.pieces)
        plans.remove(second)
    return plans


def choose_persisting(rng: random.Random, plans: list[Plan], room: dict[str, Decimal], wanted: int) -> None:
    """Mark up to `wanted` agreements as staying open, each piece moving on to a 2024 stage that has room."""
    order = [plan for plan in plans if plan.solo] + rng.sample(
        [plan for plan in plans if not plan.solo], len([plan for plan in plans if not plan.solo])
    )
    kept = 0
    for plan in order:
        if kept >= wanted:
            break
        trial = dict(room)
        choices: list[str] = []
        for piece in plan.pieces:
            options = ["at_risk"] if piece.keep_at_risk else PREFERENCES[piece.stage_2021 or ""]
            for option in options:
                if trial[COLUMN_OF[option]] >= piece.amount:
                    trial[COLUMN_OF[option]] -= piece.amount
                    choices.append(option)
                    break
            else:
                break
        if len(choices) < len(plan.pieces):
            continue
        room.update(trial)
        plan.status = "persisting"
        for piece, choice in zip(plan.pieces, choices, strict=True):
            piece.stage_2024 = choice
        kept += 1


def nudge_2024(row: dict[str, str], residual: dict[str, Decimal]) -> None:
    """Pence on the new agreements' stages so each printed 2024 figure rounds to itself and the row adds up."""
    excess = sum(
        money(row[column])
        for column in (
            "project_not_yet_started",
            "money_held_by_developers",
            "money_held_by_local_authority",
            "total_money_drawn_down",
        )
    ) - money(row["total_value_of_agreements"])
    if not excess:
        return
    names = [name for name in ("held", "not_started", "held_by_developer", "drawn") if residual[name] > 1]
    if len(names) < 2:
        raise SystemExit(f"{row['local_authority']}: too little new money to absorb the printed rounding")
    for name in names[:2]:
        residual[name] -= PENNY_NUDGE * excess


def new_agreements(rng: random.Random, slug: str, residual: dict[str, Decimal], count: int) -> list[Plan]:
    """Agreements signed after January 2021 holding what the persisting ones do not explain."""
    if count == 0:
        if any(residual.values()):
            raise SystemExit(f"{slug}: money left over but no new agreement to hold it")
        return []
    total = sum(residual.values())
    if total < 2000 * count:
        raise SystemExit(f"{slug}: £{total} is too little for {count} new agreements")
    pieces: list[Piece] = []
    for name, amount in residual.items():
        if amount <= 0:
            continue
        parts = max(1, min(int(amount // 2000), round(count * Decimal("1.3") * amount / total)))
        for share in split(rng, amount, parts):
            pieces.append(Piece(purpose=rng.choice(OTHER_PURPOSES), amount=share, stage_2021=None, stage_2024=name))
    while len(pieces) < count:
        largest = max(pieces, key=lambda piece: piece.amount)
        first, second = split(rng, largest.amount, 2)
        largest.amount = first
        pieces.append(Piece(purpose=largest.purpose, amount=second, stage_2021=None, stage_2024=largest.stage_2024))
    plans = group_into_agreements(rng, slug, pieces, count)
    for plan in plans:
        plan.status = "new"
    return plans


def describe(rng: random.Random, plan: Plan, references: set[str]) -> None:
    """Invent a site, developer, size and planning reference for an agreement."""
    town = rng.choice(TOWNS[plan.authority])
    plan.site = f"Land {rng.choice(SIDES)} of {rng.choice(ROADS)}, {town}"
    plan.developer = rng.choice(DEVELOPERS)
    plan.dwellings = rng.choice([40, 60, 85, 120, 150, 200, 250, 320, 400, 600])
    while not plan.reference or plan.reference in references:
        kind = rng.choice(["OUT", "FUL", "OUT", "RM"])
        plan.reference = f"{plan.signed_on:%y}/{rng.randint(100, 1999):04d}/{kind}"
    references.add(plan.reference)
    for piece in plan.pieces:
        if piece.keep_at_risk:
            plan.site, plan.developer, plan.dwellings = "Lubbesthorpe strategic urban extension", "", 4250
            plan.reference, plan.notes = "LUBBESTHORPE", "Real development; reference, dates and developer omitted."
        elif piece.trigger[0] == "on_commencement" and piece.stage_2021 != "not_started" and rng.random() < 0.5:
            share = rng.choice([25, 50, 75])
            threshold = max(1, plan.dwellings * share // 100)
            piece.trigger = ("on_occupation", threshold, f"payable on occupation of {threshold} homes")
        if piece.stage_2021 == "at_risk" and not piece.keep_at_risk:
            # Money at risk waits on a late trigger that the development may never reach.
            threshold = plan.dwellings * 9 // 10
            piece.trigger = (
                "on_occupation",
                threshold,
                f"payable on occupation of {threshold} of {plan.dwellings} homes",
            )


def old_timeline(rng: random.Random, plan: Plan) -> None:
    """Sign, start and pay an agreement so that each piece is in its stage on 26 January 2021."""
    stages = {piece.stage_2021 for piece in plan.pieces}
    nwl = plan.authority == "north-west-leicestershire"
    if "drawn" in stages:
        plan.signed_on = between(rng, date(2007, 1, 1), date(2010, 3, 31) if nwl else date(2015, 6, 30))
    elif "held" in stages:
        plan.signed_on = between(rng, date(2010, 1, 1), date(2018, 6, 30))
    elif stages & STARTED:
        plan.signed_on = between(rng, date(2011, 1, 1), date(2019, 6, 30))
    else:
        plan.signed_on = between(rng, date(2014, 1, 1), date(2020, 10, 31))
    if any(piece.keep_at_risk for piece in plan.pieces):
        plan.signed_on = date(2014, 9, 30)
    if stages & STARTED:
        plan.started_on = min(plan.signed_on + timedelta(days=rng.randint(90, 400)), date(2020, 6, 30))
    for piece in plan.pieces:
        stage = piece.stage_2021
        if stage in STARTED and plan.started_on is not None:
            piece.events.append(("development_started", plan.started_on, ""))
        if stage == "at_risk" and plan.started_on is not None:
            at_risk_on = between(rng, plan.started_on + timedelta(days=60), date(2021, 1, 10))
            piece.events.append(("at_risk", at_risk_on, "trigger point may never be reached"))
        if stage in ("held", "drawn") and plan.started_on is not None:
            latest = date(2012, 10, 31) if nwl and stage == "drawn" else date(2020, 12, 15)
            receive(rng, piece, between(rng, plan.started_on + timedelta(days=120), latest), index=True)
        if stage == "drawn" and piece.received_on is not None:
            latest = date(2013, 3, 31) if nwl else date(2021, 1, 15)
            draw(piece, between(rng, piece.received_on + timedelta(days=20), latest), piece.amount)


def receive(rng: random.Random, piece: Piece, on: date, *, index: bool) -> None:
    """The developer pays the authority in full, the sum index-linked to the date it falls due."""
    secured = piece.amount
    if index:
        secured = (piece.amount / (1 + Decimal(rng.randint(3, 9)) / 100)).quantize(Decimal("1"))
        piece.movements.append(("indexation", piece.amount - secured, on, "index-linked to the payment date"))
    piece.movements.insert(0, ("secured", secured, date.min, "secured on signing"))
    piece.events.append(("trigger_met", on, ""))
    piece.movements.append(("received", piece.amount, on, "paid by the developer"))
    piece.received_on = on


def draw(piece: Piece, on: date, amount: Decimal) -> None:
    """The authority releases money to the force."""
    piece.movements.append(("drawn", amount, on, "released to the force"))
    piece.drawn_on = on


def secure_unpaid(piece: Piece) -> None:
    """A piece with no receipt yet is secured in full on signing."""
    if not any(kind == "secured" for kind, *_ in piece.movements):
        piece.movements.insert(0, ("secured", piece.amount, date.min, "secured on signing"))


def move_on(rng: random.Random, plan: Plan, piece: Piece, target: str, low: date, high: date) -> None:
    """Advance a piece from its current stage to `target` between two dates."""
    secure_unpaid(piece)
    has_start = any(kind in ("development_started", "trigger_met") for kind, *_ in piece.events)
    if target == "at_risk":
        return
    if piece.stage_2021 == "at_risk" and target != "at_risk":
        piece.events.append(("at_risk_cleared", between(rng, low, high), "trigger reached after all"))
    if target in STARTED and not has_start and piece.stage_2021 != "at_risk":
        started = plan.started_on or between(rng, low, high - timedelta(days=200))
        plan.started_on = started
        piece.events.append(("development_started", started, ""))
    if target in ("held", "drawn") and piece.received_on is None:
        start = max(low, plan.started_on or low)
        piece.events.append(("trigger_met", between(rng, start, high - timedelta(days=120)), ""))
        piece.received_on = piece.events[-1][1]
        piece.movements.append(("received", piece.amount, piece.received_on, "paid by the developer"))
    if target == "drawn" and piece.drawn_on is None and piece.received_on is not None:
        earliest = max(piece.received_on + timedelta(days=14), low)
        if plan.authority == "charnwood":
            # Charnwood's first release after January 2021 is the £63,485 of the March 2021 report.
            earliest = max(earliest, CHARNWOOD_FIRST_RELEASE[1] + timedelta(days=30))
        draw(piece, between(rng, earliest, high), piece.amount)


def spend(
    piece: Piece,
    amount: Decimal,
    rng: random.Random,
    *,
    forward: bool = False,
    arrears: bool = False,
    latest: date = AS_AT_2024 - timedelta(days=7),
) -> None:
    """Capital spend charged to the piece: after its drawdown, or before it where the authority pays in arrears."""
    if arrears and not forward and piece.received_on is not None and piece.drawn_on is not None:
        # Blaby releases money only against invoices for completed work (2021 report, para 13).
        on = between(rng, piece.received_on + timedelta(days=1), piece.drawn_on - timedelta(days=1))
        piece.movements.append(("spent", amount, on, "spent first; released against invoices"))
        return
    after = piece.received_on if forward else piece.drawn_on
    assert after is not None
    on = between(rng, after + timedelta(days=10), latest)
    note = "forward-funded: spent before the authority releases it" if forward else "capital spend"
    piece.movements.append(("spent", amount, min(on, AS_AT_2024), note))


def allocate_spend(rng: random.Random, plans: list[Plan], spent: Decimal) -> None:
    """Spread the published 2024 spend over the open agreements' drawn money, then forward-fund the rest."""
    drawn = [piece for plan in plans for piece in plan.pieces if piece.stage_2024 == "drawn"]
    held = [piece for plan in plans for piece in plan.pieces if piece.stage_2024 == "held"]
    total_drawn = sum((piece.amount for piece in drawn), Decimal(0))
    left = spent
    for index, piece in enumerate(sorted(drawn, key=lambda piece: piece.amount)):
        last = index == len(drawn) - 1
        share = piece.amount if spent >= total_drawn else (spent * piece.amount / total_drawn).quantize(Decimal("1"))
        share = min(piece.amount, left if last and spent < total_drawn else share)
        if share > 0:
            spend(piece, share, rng, arrears=plans[0].authority in ARREARS)
            left -= share
    for piece in sorted(held, key=lambda piece: -piece.amount):
        if left <= 0 or spent <= total_drawn:
            break
        share = min(left, piece.amount)
        spend(piece, share, rng, forward=True)
        left -= share
    if left:
        raise SystemExit(f"could not place £{left} of spend")


def first_release(*, plans: list[Plan]) -> None:
    """Charnwood's first release, £63,485 after the 2021 table's date (2021 report, para 16): split one draw."""
    amount, on = CHARNWOOD_FIRST_RELEASE
    for piece in (piece for plan in plans for piece in plan.pieces if piece.stage_2021 == "held"):
        for index, (kind, drawn, when, note) in enumerate(piece.movements):
            if kind == "drawn" and drawn > amount and when > on:
                piece.movements[index : index + 1] = [
                    ("drawn", amount, on, "Loughborough front enquiry office, against copy invoices"),
                    ("drawn", drawn - amount, when, note),
                ]
                return
    raise SystemExit("no Charnwood drawdown large enough to carry its first release")


def close_out(rng: random.Random, plan: Plan) -> None:
    """An agreement completed after January 2021: paid, drawn and spent in full (or written off), then closed."""
    low = AS_AT_2021 + timedelta(days=10)
    for piece in plan.pieces:
        secure_unpaid(piece)
        if piece.stage_2021 == "at_risk" or (piece.stage_2021 == "not_started" and rng.random() < 0.15):
            when = between(rng, low, date(2023, 6, 30))
            piece.movements.append(("written_off", piece.amount, when, "never triggered; the agreement expired"))
            continue
        move_on(rng, plan, piece, "drawn", low, date(2023, 3, 31))
        assert piece.drawn_on is not None
        spend(piece, piece.amount, rng, arrears=plan.authority in ARREARS, latest=date(2023, 6, 30))
    last = max(when for piece in plan.pieces for _kind, _amount, when, _note in piece.movements)
    plan.closed_on = between(rng, max(last, low) + timedelta(days=20), max(last, low) + timedelta(days=150))


def build(rng: random.Random) -> list[Plan]:
    """Every agreement of every authority."""
    with (PUBLISHED / "appendix-a-2021-01-26.csv").open(encoding="utf-8") as handle:
        rows_2021 = {row["local_authority"]: row for row in csv.DictReader(handle)}
    with (PUBLISHED / "table-2024-02-01.csv").open(encoding="utf-8") as handle:
        rows_2024 = {row["local_authority"]: row for row in csv.DictReader(handle)}
    plans: list[Plan] = []
    for name, slug in SLUGS.items():
        row_2021, row_2024 = rows_2021[name], rows_2024[name]
        old = group_into_agreements(rng, slug, pieces_2021(rng, slug, row_2021), int(row_2021["number_of_agreements"]))
        room = {
            "not_started": money(row_2024["project_not_yet_started"]),
            "held_by_developer": money(row_2024["money_held_by_developers"]),
            "held": money(row_2024["money_held_by_local_authority"]),
            "drawn": money(row_2024["total_money_drawn_down"]),
        }
        choose_persisting(rng, old, room, PERSISTING[slug])
        kept = sum(plan.status == "persisting" for plan in old)
        nudge_2024(row_2024, room)
        new = new_agreements(rng, slug, room, int(row_2024["open_agreements"]) - kept)
        for plan in old:
            old_timeline(rng, plan)
        for plan in old:
            if plan.status == "closed":
                close_out(rng, plan)
            else:
                for piece in plan.pieces:
                    move_on(
                        rng, plan, piece, piece.stage_2024 or "", AS_AT_2021 + timedelta(days=10), date(2023, 12, 31)
                    )
        for plan in new:
            plan.signed_on = between(rng, date(2021, 3, 1), date(2023, 6, 30))
            for piece in plan.pieces:
                move_on(rng, plan, piece, piece.stage_2024 or "", plan.signed_on, date(2024, 1, 20))
            for piece in plan.pieces:
                index = [i for i, movement in enumerate(piece.movements) if movement[0] == "received"]
                if index and piece.amount > 1000:
                    # New agreements' sums are index-linked when paid: part of the amount is indexation.
                    secured = (piece.amount / Decimal("1.06")).quantize(Decimal("1"))
                    piece.movements[0] = ("secured", secured, date.min, "secured on signing")
                    on = piece.movements[index[0]][2]
                    piece.movements.insert(index[0], ("indexation", piece.amount - secured, on, "index-linked"))
        allocate_spend(
            rng, [plan for plan in old + new if plan.status != "closed"], money(row_2024["total_money_spent"])
        )
        if slug == "charnwood":
            first_release(plans=old)
        references: set[str] = set()
        for plan in old + new:
            describe(rng, plan, references)
        plans.extend(old + new)
    return plans


def write(plans: list[Plan]) -> None:
    """The four CSV files the loader reads."""
    counters: Counter[str] = Counter()
    agreements: list[list[object]] = []
    contributions: list[list[object]] = []
    movements: list[list[object]] = []
    events: list[list[object]] = []
    for plan in sorted(plans, key=lambda plan: (plan.authority, plan.signed_on)):
        counters[plan.authority] += 1
        key = f"{plan.authority}-{counters[plan.authority]:02d}"
        agreements.append(
            [key, plan.authority, plan.reference, plan.site, plan.developer, plan.signed_on, plan.dwellings]
            + [plan.closed_on or "", plan.notes]
        )
        for number, piece in enumerate(plan.pieces, start=1):
            contribution = f"{key}-{number}"
            kind, threshold, description = piece.trigger
            contributions.append(
                [contribution, key, piece.purpose, kind, threshold or "", description, 10, piece.notes]
            )
            for kind, amount, on, note in sorted(piece.movements, key=lambda movement: movement[2]):
                movements.append([contribution, kind, amount, plan.signed_on if on == date.min else on, "", note])
            for kind, on, note in sorted(piece.events, key=lambda event: event[1]):
                events.append([contribution, kind, on, note])
    files: dict[str, tuple[list[str], list[list[object]]]] = {
        "agreements.csv": (
            ["key", "local_authority_id", "reference", "site", "developer", "signed_on", "dwellings"]
            + ["closed_on", "notes"],
            agreements,
        ),
        "contributions.csv": (
            ["key", "agreement", "purpose", "trigger_type", "trigger_threshold", "trigger_description"]
            + ["repayment_period_years", "notes"],
            contributions,
        ),
        "movements.csv": (["contribution", "kind", "amount", "on", "reference", "note"], movements),
        "events.csv": (["contribution", "kind", "on", "note"], events),
    }
    for name, (header, rows) in files.items():
        with (SEED_DIR / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)


if __name__ == "__main__":
    write(build(random.Random(106)))
