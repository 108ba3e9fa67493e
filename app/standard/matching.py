"""Matching references: contributions to their agreements, transactions to their contributions."""

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable

from app.money import pounds
from app.standard.parsing import base_reference
from app.standard.rows import AgreementRow, ContributionRow, RowLog, TransactionRow

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
    ):
        self.derive = derive
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

    def link_contributions(self, rows: list[ContributionRow]) -> None:
        """Give each contribution its agreement and its key; one naming no known agreement is an error."""
        occurrences: Counter[tuple[str, str, str]] = Counter()
        for row in rows:
            self.contributions_by_source[row.source_reference].append(row)
            self.contributions_by_base[base_reference(row.source_reference)].append(row)
            self.contributions_by_folded[folded(row.source_reference)].append(row)
        for row in rows:
            if not row.source_reference:
                self.log.fail(
                    row.file,
                    row.line,
                    "the developer-agreement-contribution reference is blank",
                    reason="reference is blank",
                )
                row.ok = False
                continue
            raw = row.agreement_reference
            target = self.find_agreement(row.file, row.line, raw, row.source_reference)
            if target is None and self.derive and raw and row.start_on is not None:
                target = self.derive_agreement(row)
            if target is None:
                missing = f"agreement {raw!r}" if raw else "no agreement (developer-agreement is blank)"
                self.log.fail(
                    row.file,
                    row.line,
                    f"contribution {row.source_reference!r} names {missing}, which is not in the files",
                    reason="names an agreement that is in no agreement row",
                )
                row.ok = False
                continue
            if not target.ok:
                self.log.fail(
                    row.file,
                    row.line,
                    f"its agreement (line {target.line} of {target.file}) was not imported",
                    reason="its agreement row was left out",
                )
                row.ok = False
                continue
            row.target = target
            self.contributions_of[id(target)].append(row)
            identity = (target.reference, row.purpose_code, str(row.amount))
            occurrences[identity] += 1
            row.key = record_key("standard", "contribution", self.authority_id, *identity, occurrences[identity])

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

    def find_contribution(self, row: TransactionRow) -> ContributionRow | None:
        """The contribution a transaction names; repeated references are told apart, else it is an error."""
        raw = row.contribution_reference
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
            open_ones = [
                candidate
                for candidate in chosen
                if not any(other.status == row.status for other in candidate.transactions)
            ]
            if row.amount is None or not all(candidate.amount == row.amount for candidate in chosen):
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

    def link_transactions(self, rows: list[TransactionRow]) -> list[TransactionRow]:
        """Give each transaction its contribution and its key; returns those whose contribution was read."""
        linked: list[TransactionRow] = []
        occurrences: Counter[tuple[str, str, str, str]] = Counter()
        for row in rows:
            contribution = self.find_contribution(row)
            if contribution is None:
                continue
            row.contribution = contribution
            contribution.transactions.append(row)
            if not contribution.ok:
                self.log.fail(
                    row.file,
                    row.line,
                    f"its contribution (line {contribution.line} of {contribution.file}) was not imported",
                    reason="its contribution row was left out",
                )
                row.ok = False
                continue
            linked.append(row)
            identity = (contribution.key, row.status or "", str(row.amount), str(row.on))
            occurrences[identity] += 1
            row.key = record_key("standard", "transaction", self.authority_id, *identity, occurrences[identity])
            if row.trigger and contribution.trigger_text is None:
                contribution.trigger_text = row.trigger
        return linked
