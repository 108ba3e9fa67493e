"""The national codelists of the developer-contributions standard, and matching messy codes to them."""

import csv
import difflib
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

CODELIST_DIR = Path(__file__).resolve().parent / "codelists"

AGREEMENT_TYPE = "developer-agreement-type"
PURPOSE = "contribution-purpose"
FUNDING_STATUS = "contribution-funding-status"
FAMILIES = (AGREEMENT_TYPE, PURPOSE, FUNDING_STATUS)

# The published codelist stops at spent; the standard's guidance adds returned (repaid to the developer).
_GUIDANCE_CODES = {FUNDING_STATUS: {"returned": "Returned"}}

# Words seen in real files that mean a code without being close to it in spelling.
_SYNONYMS = {
    PURPOSE: {
        "police": "other",
        "policing": "other",
        "monitoring": "monitoring-fees",
        "open-space": "open-space-and-leisure",
        "transport": "transport-and-travel",
        "flood": "flood-and-water-management",
        "s106": "other",
    },
    AGREEMENT_TYPE: {
        "s106": "section-106",
        "section106": "section-106",
        "s106agreement": "section-106",
        "section106agreement": "section-106",
        "unilateralundertaking": "section-106",
        "deedofvariation": "section-106",
        "memorandumofunderstanding": "section-106",
        "planningobligation": "section-106",
        "cil": "community-infrastructure-levy",
        "s278": "section-278",
        "section278": "section-278",
        "section278agreement": "section-278",
    },
    FUNDING_STATUS: {
        "paid": "received",
        "repaid": "returned",
        "refunded": "returned",
        "drawn": "transferred",
        "demanded": "secured",
        "invoiced": "secured",
        "committed": "allocated",
    },
}

# Retired codes and the codes that replaced them.
_SUCCESSORS = {
    PURPOSE: {
        "open-space": "open-space-and-leisure",
        "transport": "transport-and-travel",
        "flood": "flood-and-water-management",
    }
}

# Words of a free-text purpose that say which code it is, tried in order.
_PURPOSE_WORDS = (
    ("affordable", "affordable-housing"),
    ("housing", "affordable-housing"),
    ("education", "education"),
    ("school", "education"),
    ("health", "health"),
    ("monitoring", "monitoring-fees"),
    ("neighbourhood", "neighbourhood-community-infrastructure-levy"),
    ("mayoral", "mayoral-community-infrastructure-levy"),
    ("cil", "community-infrastructure-levy"),
    ("drainage", "flood-and-water-management"),
    ("flood", "flood-and-water-management"),
    ("woodland", "green-infrastructure"),
    ("bunting", "green-infrastructure"),
    ("biodiversity", "green-infrastructure"),
    ("play", "open-space-and-leisure"),
    ("sport", "open-space-and-leisure"),
    ("leisure", "open-space-and-leisure"),
    ("recreation", "open-space-and-leisure"),
    ("openspace", "open-space-and-leisure"),
    ("ossr", "open-space-and-leisure"),
    ("muga", "open-space-and-leisure"),
    ("leap", "open-space-and-leisure"),
    ("allotment", "open-space-and-leisure"),
    ("travel", "transport-and-travel"),
    ("transport", "transport-and-travel"),
    ("traffic", "transport-and-travel"),
    ("parking", "transport-and-travel"),
    ("carclub", "transport-and-travel"),
    ("tramway", "transport-and-travel"),
    ("highway", "highways"),
    ("library", "community-facilities"),
    ("community", "community-facilities"),
)


class CodeError(ValueError):
    """A value that is not in a codelist and is not close to any of its codes."""


@dataclass(frozen=True)
class Code:
    """One code of a codelist, with the date it was retired if it has been."""

    value: str
    name: str
    end_date: date | None


@dataclass(frozen=True)
class CodeMatch:
    """The code a raw value was read as, and a warning when it was not written exactly so."""

    code: str
    warning: str | None = None


@lru_cache
def codelist(family: str) -> dict[str, Code]:
    """The codes of one family, keyed by code."""
    if family not in FAMILIES:
        raise KeyError(f"no codelist {family!r}")
    codes: dict[str, Code] = {}
    with (CODELIST_DIR / f"{family}.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            end = row.get("end-date") or ""
            codes[row[family]] = Code(row[family], row["name"], date.fromisoformat(end) if end else None)
    for value, name in _GUIDANCE_CODES.get(family, {}).items():
        codes.setdefault(value, Code(value, name, None))
    return codes


def current_codes(family: str) -> list[str]:
    """The codes of a family that have not been retired."""
    return [code.value for code in codelist(family).values() if code.end_date is None]


def is_valid(family: str, value: str) -> bool:
    """Whether a value is exactly a current code of the family (what an export must write)."""
    code = codelist(family).get(value)
    return code is not None and code.end_date is None


def validate(family: str, value: str) -> None:
    """Refuse a value that is not exactly a current code of the family."""
    if not is_valid(family, value):
        raise CodeError(f"{value!r} is not a current {family} code; expected one of {', '.join(current_codes(family))}")


def normalise_code(raw: str) -> str:
    """A code as the standard writes it: trimmed, lower case, words joined by hyphens."""
    return "-".join(raw.strip().lower().replace("_", " ").replace("-", " ").split())


def _words(raw: str) -> str:
    return re.sub(r"[^a-z0-9]", "", raw.lower())


def match(family: str, raw: str) -> CodeMatch:
    """Read a raw value as a code: exact; case, spacing and punctuation folded; a retired code's successor;
    a known synonym; a code followed by more words; words that name a purpose; or a near-miss spelling."""
    codes = codelist(family)
    if raw in codes and codes[raw].end_date is None:
        return CodeMatch(raw)
    folded = normalise_code(raw)
    if not folded:
        raise CodeError(f"{family} is blank")
    if folded in codes:
        code = codes[folded]
        successor = _SUCCESSORS.get(family, {}).get(folded)
        if code.end_date is not None and successor is not None:
            return CodeMatch(
                successor, f"{family} {raw!r} was retired from the codelist on {code.end_date}; read as {successor!r}"
            )
        if code.end_date is not None:
            return CodeMatch(folded, f"{family} {raw!r} was retired from the codelist on {code.end_date}; kept as is")
        return CodeMatch(folded, f"{family} {raw!r} read as {folded!r}")
    synonym = _SYNONYMS.get(family, {}).get(folded) or _SYNONYMS.get(family, {}).get(_words(raw))
    if synonym is not None:
        return CodeMatch(synonym, f"{family} {raw!r} is not in the codelist; read as {synonym!r}")
    leading = re.split(r"\s*[:(]\s*|\s+-\s+", raw.strip(), maxsplit=1)[0]
    for prefix in sorted(current_codes(family), key=len, reverse=True):
        if normalise_code(leading) == prefix or folded.startswith(f"{prefix}-"):
            return CodeMatch(
                prefix, f"{family} {raw!r} is not in the codelist; read as {prefix!r}, the code it begins with"
            )
    if family == PURPOSE:
        words = _words(raw)
        for word, named in _PURPOSE_WORDS:
            if word in words:
                return CodeMatch(named, f"{family} {raw!r} is not in the codelist; read as {named!r} from its words")
    close = difflib.get_close_matches(folded, current_codes(family), n=1, cutoff=0.8)
    if close:
        return CodeMatch(close[0], f"{family} {raw!r} is not in the codelist; read as the near miss {close[0]!r}")
    raise CodeError(f"{family} {raw!r} is not in the codelist ({', '.join(current_codes(family))})")
