"""Matching references: contributions to their agreements, transactions to their contributions."""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable

from app.money import pounds
from app.standard.parsing import base_reference
from app.standard.rows import AgreementRow, ContributionRow, RowLog, TransactionRow

LedgerLookup = Callable[[str, int, str, str], AgreementRow | None]
"""Finds an agreement already in the ledger by reference, as (file, line, raw reference, base reference)."""


def record_key(*parts: object) -> str:
    """A stable key for a row from what it says (SHA-256 of its identifying parts)."""
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()


class Matcher:
    """The references of one import run, and the rows they name."""

    def __init__(self, *, log: RowLog, authority_id: str, agreements: list[AgreementRow], in_ledger: LedgerLookup):
        self.log = log
        self.authority_id = authority_id
        self.in_ledger = in_ledger
        self.agreements: dict[str, AgreementRow] = {}
        self.by_source: dict[str, AgreementRow] = {}
        for row in agreements:
            self.agreements.setdefault(row.reference, row)
            self.by_source.setdefault(row.source_reference, row)
        self.contributions_by_source: defaultdict[str, list[ContributionRow]] = defaultdict(list)
        self.contributions_by_base: defaultdict[str, list[ContributionRow]] = defaultdict(list)

    def find_agreement(self, file: str, line: int, raw: str) -> AgreementRow | None:
        """The agreement a contribution names: in the files, by near-miss suffix, or already in the ledger."""
        if raw in self.by_source:
            return self.by_source[raw]
        base = base_reference(raw)
        if base in self.agreements:
            found = self.agreements[base]
            self.log.warn(file, line, f"developer-agreement {raw!r} read as {found.source_reference!r}")
            return found
        target = self.in_ledger(file, line, raw, base)
        if target is not None:
            self.agreements[base] = target
        return target

    def link_contributions(self, rows: list[ContributionRow]) -> None:
        """Give each contribution its agreement and its key; one naming no known agreement is an error."""
        occurrences: Counter[tuple[str, str, str]] = Counter()
        for row in rows:
            self.contributions_by_source[row.source_reference].append(row)
            self.contributions_by_base[base_reference(row.source_reference)].append(row)
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
            target = self.find_agreement(row.file, row.line, raw) if raw else None
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
            identity = (target.reference, row.purpose_code, str(row.amount))
            occurrences[identity] += 1
            row.key = record_key("standard", "contribution", self.authority_id, *identity, occurrences[identity])

    def find_contribution(self, row: TransactionRow) -> ContributionRow | None:
        """The contribution a transaction names; repeated references are told apart by amount."""
        raw = row.contribution_reference
        candidates = self.contributions_by_source.get(raw, [])
        if not candidates:
            candidates = self.contributions_by_base.get(base_reference(raw), [])
            if candidates:
                self.log.warn(
                    row.file,
                    row.line,
                    f"developer-agreement-contribution {raw!r} read as {candidates[0].source_reference!r}",
                )
        if not candidates:
            self.log.fail(
                row.file,
                row.line,
                f"contribution {raw!r} is not in the contribution file",
                reason="names a contribution that is in no contribution row",
            )
            return None
        if len(candidates) == 1:
            return candidates[0]
        same_amount = [
            candidate for candidate in candidates if candidate.amount is not None and candidate.amount == row.amount
        ]
        if not same_amount:
            self.log.fail(
                row.file,
                row.line,
                f"contribution reference {raw!r} is used by {len(candidates)} contributions and none is for "
                f"{'an unstated amount' if row.amount is None else pounds(row.amount)}; cannot tell which this row "
                "belongs to",
                reason="names a contribution reference used by several contributions, none for its amount",
            )
            return None
        for candidate in same_amount:
            if not any(other.status == row.status for other in candidate.transactions):
                return candidate
        self.log.warn(
            row.file,
            row.line,
            f"another row for the contribution on line {same_amount[0].line} of {same_amount[0].file}",
        )
        return same_amount[0]

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
