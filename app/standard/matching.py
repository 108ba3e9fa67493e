"""Matching references: contributions to their agreements, transactions to their contributions."""

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from app.models import Purpose
from app.money import ZERO, pounds
from app.standard import codelists
from app.standard.parsing import base_reference
from app.standard.rows import AgreementRow, ContributionRow, RowLog, TransactionRow, not_asked_for

LedgerLookup = Callable[[str, int, str, str], AgreementRow | None]
"""Finds an agreement already in the ledger by reference, as (file, line, raw reference, base reference)."""


def folded(reference: str) -> str:
    """A reference with case, spaces and punctuation ignored, for matching what councils mistype."""
    return re.sub(r"[^a-z0-9]", "", reference.lower())


def record_key(*parts: object) -> str:
    """A stable key for a row from what it says (SHA-256 of its identifying parts)."""
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()


class Matcher:
    """The references of one import run, and the rows they name."""

    def __init__(
        self,
        *,
        log: RowLog,
        authority_id: str,
        agreements: list[AgreementRow],
        in_ledger: LedgerLookup,
        derive: bool = False,
        derive_contributions: bool = False,
        local_purpose: Purpose = Purpose.no_prescription,
    ):
        self.derive = derive
        self.derive_contributions = derive_contributions
        self.local_purpose = local_purpose
        self.made: list[ContributionRow] = []
        """Contributions made from the transactions naming them (no contribution row publishes them)."""
        self.assigned: dict[tuple[str, int], ContributionRow] = {}
        """The contribution made for a transaction, by the transaction's file and line."""
        self.log = log
        self.authority_id = authority_id
        self.in_ledger = in_ledger
        self.agreements: dict[str, AgreementRow] = {}
        self.by_source: dict[str, AgreementRow] = {}
        self.by_folded: dict[str, AgreementRow] = {}
        planning: defaultdict[str, list[AgreementRow]] = defaultdict(list)
        for row in agreements:
            self.agreements.setdefault(row.reference, row)
            self.by_source.setdefault(row.source_reference, row)
            self.by_folded.setdefault(folded(row.source_reference), row)
            self.by_folded.setdefault(folded(row.reference), row)
            if row.planning_application:
                planning[folded(row.planning_application)].append(row)
        self.by_planning = {key: rows[0] for key, rows in planning.items() if len(rows) == 1}
        self.occurrences: Counter[tuple[str, str, str]] = Counter()
        self.contributions_by_folded: defaultdict[str, list[ContributionRow]] = defaultdict(list)
        self.contributions_of: defaultdict[int, list[ContributionRow]] = defaultdict(list)
        self.contributions_by_source: defaultdict[str, list[ContributionRow]] = defaultdict(list)
        self.contributions_by_base: defaultdict[str, list[ContributionRow]] = defaultdict(list)

    def find_agreement(self, file: str, line: int, raw: str, own: str = "") -> AgreementRow | None:
        """The agreement a reference names: in the files (exactly, by suffix, case or spacing, or by planning
        application, or by the row's own reference), or already in the ledger."""
        if raw in self.by_source:
            return self.by_source[raw]
        base = base_reference(raw)
        found = self.agreements.get(base) or self.by_folded.get(folded(raw)) or self.by_folded.get(folded(base))
        how = "read as"
        if found is None and raw and (found := self.by_planning.get(folded(raw))) is not None:
            how = "is the planning application of"
        if found is None and own and (found := self.by_folded.get(folded(own))) is not None:
            how = "not found; the row's own reference names"
        if found is not None:
            self.log.warn(file, line, f"developer-agreement {raw!r} {how} {found.source_reference!r}")
            return found
        if not raw:
            return None
        target = self.in_ledger(file, line, raw, base)
        if target is not None:
            self.agreements[base] = target
        return target

    def derive_agreement(self, row: ContributionRow) -> AgreementRow:
        """An agreement no agreement row publishes, made from the first contribution naming it (its start-date
        as the signing date): councils republish older agreements' contributions without the agreements."""
        assert row.start_on is not None
        reference = base_reference(row.agreement_reference) or row.agreement_reference
        target = AgreementRow(
            file=row.file,
            line=row.line,
            source_reference=row.agreement_reference,
            reference=reference[:100],
            signed_on=row.start_on,
            notes=f"not in the published agreement file; made from contribution {row.source_reference!r}",
            derived=True,
        )
        self.agreements[reference] = target
        self.by_source[row.agreement_reference] = target
        self.by_folded.setdefault(folded(row.agreement_reference), target)
        self.log.warn(
            row.file,
            row.line,
            f"agreement {row.agreement_reference!r} is in no agreement row: made from this contribution, "
            f"signed on its start-date {row.start_on}",
        )
        return target

    def index_contribution(self, row: ContributionRow) -> None:
        """Make a contribution findable by its reference, exactly, without its suffix, and folded."""
        self.contributions_by_source[row.source_reference].append(row)
        self.contributions_by_base[base_reference(row.source_reference)].append(row)
        self.contributions_by_folded[folded(row.source_reference)].append(row)

    def attach(self, row: ContributionRow, target: AgreementRow) -> None:
        """Give a contribution its agreement and its key (what it says, and how many before it said the same)."""
        row.target = target
        self.contributions_of[id(target)].append(row)
        identity = (target.reference, row.purpose_code, str(row.amount))
        self.occurrences[identity] += 1
        row.key = record_key("standard", "contribution", self.authority_id, *identity, self.occurrences[identity])

    def link_contributions(self, rows: list[ContributionRow]) -> None:
        """Give each contribution its agreement and its key; one naming no known agreement is an error."""
        for row in rows:
            self.index_contribution(row)
        for row in rows:
            if not row.source_reference:
                self.log.refuse(row, "the developer-agreement-contribution reference is blank", "reference is blank")
                continue
            raw = row.agreement_reference
            target = self.find_agreement(row.file, row.line, raw, row.source_reference)
            if target is None and self.derive and raw and row.start_on is not None:
                target = self.derive_agreement(row)
            if target is None:
                missing = f"agreement {raw!r}" if raw else "no agreement (developer-agreement is blank)"
                self.log.refuse(
                    row,
                    f"contribution {row.source_reference!r} names {missing}, which is not in the files",
                    "names an agreement that is in no agreement row",
                )
                continue
            if not target.ok:
                self.log.refuse(
                    row,
                    f"its agreement (line {target.line} of {target.file}) was not imported",
                    "its agreement row was left out",
                )
                continue
            self.attach(row, target)

    def candidates_for(self, row: TransactionRow) -> tuple[list[ContributionRow], str | None]:
        """The contributions a transaction may belong to, and how they were found when not exactly."""
        raw = row.contribution_reference
        if raw in self.contributions_by_source:
            return self.contributions_by_source[raw], None
        base = base_reference(raw)
        if base in self.contributions_by_base:
            return self.contributions_by_base[base], "read as"
        if folded(raw) in self.contributions_by_folded:
            return self.contributions_by_folded[folded(raw)], "read as"
        agreement = self.agreements.get(base) or self.by_folded.get(folded(raw))
        if agreement is not None and self.contributions_of.get(id(agreement)):
            return self.contributions_of[id(agreement)], "names the agreement; read as its contribution"
        own = folded(row.source_reference)
        if own and own in self.contributions_by_folded:
            return self.contributions_by_folded[own], "not found; the row's own reference names"
        key = folded(raw)
        if len(key) >= 4:
            starting = [
                candidate
                for name, group in self.contributions_by_folded.items()
                if name.startswith(key)
                for candidate in group
            ]
            if starting:
                return starting, "read as the contribution starting so,"
        return [], None

    def narrow(self, row: TransactionRow, candidates: list[ContributionRow]) -> list[ContributionRow]:
        """Tell apart contributions sharing a reference: by a purpose the row names, by its own reference,
        by amount, then by being live (not end-dated); each step only when it leaves some."""
        steps = (
            lambda candidate: folded(candidate.purpose_code) == folded(row.contribution_reference),
            lambda candidate: (
                bool(folded(candidate.source_reference))
                and folded(candidate.source_reference) in folded(row.source_reference)
            ),
            lambda candidate: candidate.amount is not None and candidate.amount == row.amount,
            lambda candidate: candidate.end_on is None,
        )
        for step in steps:
            if len(candidates) == 1:
                break
            kept = [candidate for candidate in candidates if step(candidate)]
            if kept:
                candidates = kept
        return candidates

    @staticmethod
    def ambiguous(row: TransactionRow, chosen: list[ContributionRow]) -> bool:
        """Whether the contributions left after narrowing cannot be told apart for this row."""
        return len(chosen) > 1 and (
            row.amount is None or not all(candidate.amount == row.amount for candidate in chosen)
        )

    def find_contribution(self, row: TransactionRow) -> ContributionRow | None:
        """The contribution a transaction names; repeated references are told apart, else it is an error."""
        raw = row.contribution_reference
        assigned = self.assigned.get((row.file, row.line))
        if assigned is not None:
            return assigned
        candidates, how = self.candidates_for(row)
        if not candidates:
            self.log.fail(
                row.file,
                row.line,
                f"contribution {raw!r} is not in the contribution file",
                reason="names a contribution that is in no contribution row",
            )
            return None
        chosen = self.narrow(row, candidates)
        if len(chosen) > 1:
            unstated = "an unstated amount" if row.amount is None else pounds(row.amount)
            open_ones = [candidate for candidate in chosen if row.status not in candidate.statuses]
            if self.ambiguous(row, chosen):
                self.log.fail(
                    row.file,
                    row.line,
                    f"contribution reference {raw!r} is used by {len(chosen)} contributions and none is for "
                    f"{unstated} alone; cannot tell which this row belongs to",
                    reason="names a contribution reference used by several contributions, none for its amount",
                )
                return None
            if not open_ones:
                self.log.warn(
                    row.file, row.line, f"another row for the contribution on line {chosen[0].line} of {chosen[0].file}"
                )
            chosen = open_ones or chosen
        found = chosen[0]
        if how is not None:
            self.log.warn(
                row.file, row.line, f"developer-agreement-contribution {raw!r} {how} {found.source_reference!r}"
            )
        return found

    def agreement_by_prefix(self, raw: str) -> AgreementRow | None:
        """The agreement whose reference or planning application begins a contribution reference (the longest),
        as councils build a contribution's reference from its agreement's."""
        key = folded(base_reference(raw))
        best: tuple[int, AgreementRow] | None = None
        names = [(name, row) for name, row in self.by_folded.items()]
        names += [(name, row) for name, row in self.by_planning.items()]
        for name, row in names:
            if len(name) >= 6 and key.startswith(name) and key != name and (best is None or len(name) > best[0]):
                best = (len(name), row)
        return best[1] if best else None

    def make_contributions(self, rows: Iterable[TransactionRow]) -> None:
        """Make each contribution that transactions name but no contribution row publishes, from those
        transactions: under the agreement they name (or begin with), else under an agreement made for it."""
        unknown: defaultdict[tuple[str, str], list[TransactionRow]] = defaultdict(list)
        for row in rows:
            candidates = self.candidates_for(row)[0]
            if candidates and not self.ambiguous(row, self.narrow(row, candidates)):
                continue
            if candidates:
                # None of the contributions sharing the reference can be this row's alone: it is for one the
                # contribution rows do not publish (a levy whose parts only are published), as the row names it.
                unknown[(row.contribution_reference, "shared")].append(row)
                continue
            purpose = codelists.normalise_code(row.contribution_reference)
            if purpose in codelists.codelist(codelists.PURPOSE) and row.source_reference:
                # The row names a purpose where the contribution goes: its own reference names the agreement.
                unknown[(row.source_reference, purpose)].append(row)
            else:
                unknown[(row.contribution_reference, "")].append(row)
        for (reference, purpose), named in unknown.items():
            shared = purpose == "shared"
            purpose = "" if shared else purpose
            dated = [row.on for row in named if row.on is not None]
            first = named[0]
            target: AgreementRow | None = None
            if shared:
                sharing = {id(row.target): row.target for row in self.narrow(first, self.candidates_for(first)[0])}
                target = next(iter(sharing.values())) if len(sharing) == 1 else None
            if target is None:
                target = self.find_agreement(first.file, first.line, reference) or self.agreement_by_prefix(reference)
                if target is not None and target is not self.by_source.get(reference):
                    self.log.warn(
                        first.file,
                        first.line,
                        f"contribution {reference!r} is read as one of agreement {target.source_reference!r}",
                    )
            if target is None and dated:
                target = AgreementRow(
                    file=first.file,
                    line=first.line,
                    source_reference=reference,
                    reference=(base_reference(reference) or reference)[:100],
                    signed_on=min(dated),
                    notes=f"not in the published files; made for contribution {reference!r} from its transactions",
                    derived=True,
                )
                self.agreements.setdefault(target.reference, target)
                target = self.agreements[target.reference]
            if target is None or not target.ok:
                continue
            amount = made_amount(named)
            made = ContributionRow(
                file=first.file,
                line=first.line,
                source_reference=reference,
                agreement_reference=target.source_reference,
                purpose_code=purpose,
                amount=amount or None,
                units="",
                notes=f"not in the published contribution file; made from its {len(named)} transaction row(s)",
                local_purpose=self.local_purpose,
                start_on=None,
                end_on=None,
                selected=True,
                derived=True,
            )
            self.attach(made, target)
            self.made.append(made)
            for row in named:
                self.assigned[(row.file, row.line)] = made
            secured = f"secured at {pounds(amount)}, the most they account for" if amount else "no money (units only)"
            which = (
                f"the {len(named)} transaction row(s) naming {reference!r} fit none of the contributions sharing "
                "that reference: they are kept as one more contribution"
                if shared
                else f"contribution {reference!r} is in no contribution row: made from the {len(named)} transaction "
                "row(s) naming it"
            )
            self.log.warn(first.file, first.line, f"{which}, {secured}, under agreement {target.reference!r}")

    def settle_unread(self, row: TransactionRow, message: str, reason: str) -> None:
        """A transaction with a cell that could not be read: an error, unless it names only other services' rows."""
        named = self.contributions_by_source.get(row.contribution_reference, [])
        if named and not any(contribution.selected for contribution in named):
            self.log.leave_out(row.file, row.line, not_asked_for(named[0].purpose_code))
        else:
            self.log.fail(row.file, row.line, message, reason=reason)
        row.ok = False

    def link_transactions(self, rows: list[TransactionRow]) -> list[TransactionRow]:
        """Give each transaction its contribution and its key; returns those whose contribution was read."""
        unread = [row for row in rows if row.unread is not None]
        rows = [row for row in rows if row.unread is None]
        if self.derive_contributions:
            self.make_contributions(rows)
        for row in unread:
            if row.unread is not None:
                self.settle_unread(row, *row.unread)
        linked = [row for row in rows if self.link_transaction(row)]
        for row in linked:
            if row.contribution is not None:
                row.contribution.transactions.append(row)
        give_keys(self.authority_id, linked)
        return linked

    def link_transaction(self, row: TransactionRow) -> bool:
        """Give a read transaction its contribution; whether it was linked (else it is an error or left out)."""
        contribution = self.find_contribution(row)
        if contribution is None:
            return False
        row.contribution = contribution
        if row.status not in contribution.statuses:
            contribution.statuses += (row.status,)
        if not contribution.ok:
            if contribution.selected:
                self.log.fail(
                    row.file,
                    row.line,
                    f"its contribution (line {contribution.line} of {contribution.file}) was not imported",
                    reason="its contribution row was left out",
                )
            else:
                self.log.leave_out(row.file, row.line, not_asked_for(contribution.purpose_code))
            row.ok = False
            return False
        if row.trigger and contribution.trigger_text is None:
            contribution.trigger_text = row.trigger
        return True


def give_keys(authority_id: str, linked: Iterable[TransactionRow]) -> None:
    """Each linked transaction's key: what it says, and how many before it of its contribution said the same
    (in the order they were linked)."""
    occurrences: Counter[tuple[str, str, str, str]] = Counter()
    for row in linked:
        assert row.contribution is not None
        identity = (row.contribution.key, row.status or "", str(row.amount), str(row.on))
        occurrences[identity] += 1
        row.key = record_key("standard", "transaction", authority_id, *identity, occurrences[identity])


def made_amount(rows: list[TransactionRow]) -> Decimal:
    """What a contribution known only from its transactions must have secured: its largest secured row, or what
    was received, paid out, spent or allocated, whichever is most (superseded rows left out)."""
    live = [row for row in rows if row.end_on is None and row.amount]
    sums: defaultdict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in live:
        sums[row.status or ""] += row.amount or ZERO
    secured = max((row.amount or ZERO for row in live if row.status == "secured"), default=ZERO)
    paid_out = sums["transferred"] + sums["returned"]
    return max(secured, sums["received"], paid_out, sums["spent"], sums["allocated"])
