"""Reading councils' free-text triggers into instalments, saying what could not be read.

The common shapes (from Charnwood's published Trigger column): one trigger for the whole sum ("Prior to
the occupation of the 22nd dwelling", "Prior to commencement", "Upon commencement"); and tranches joined
by " - ", commas, "and" or "&", each opening with its share as a percent or an amount ("10% prior to
commencement - 45% prior to 100% occupation - 45% prior to 250th occupation", "£40,474.56 prior to
occupation of the first dwelling, £40,474.56 prior to 50% occupation and £40,474.56 prior to 75%
occupation"). A trigger is an occupation or completion (the Nth dwelling, or N% of them), commencement,
signing, or a date. Anything else ("at adoption", "monitoring", "the 150% dwelling") is an "other"
instalment keeping its words, listed as unread; percents adding to less than 100 leave the rest as an
"other" instalment, also listed.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from pydantic import ValidationError

from app.instalments.schemas import MOST_DWELLINGS, InstalmentTrigger, InstalmentWrite
from app.models import ThresholdUnit, TriggerType

HUNDRED = Decimal(100)

_TYPOS = {"occuaption": "occupation", "tbe": "the", "compleated": "completed", "propr": "prior"}
_SHARE = r"(?:£\s?[0-9][0-9,]*(?:\.[0-9]{1,2})?|[0-9]+(?:\.[0-9]+)?\s?%?)"
_OPENING = rf"{_SHARE}\s+(?:(?:prior|before|on|upon|within|at|by|payable)\b|other:)"
_SPLIT = re.compile(rf"\s*(?:\s-\s|,\s+(?:and\s+)?|\s&\s|\sand\s)\s*(?={_OPENING})", re.IGNORECASE)
_LEADING_SHARE = re.compile(
    rf"^({_SHARE})\s+(?=(?:(?:prior|before|on|upon|within|at|by|payable)\b|other:))", re.IGNORECASE
)
_ORDINAL = r"([0-9]+)(?:st|nd|rd|th)"
_WORD_ORDINALS = {"first": 1, "second": 2, "third": 3}
_DWELLING = r"(?:dwelling|unit|home|house|plot)s?"
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}


@dataclass(frozen=True)
class ScheduleReading:
    """A trigger text read as instalments, with the parts it could not read and what it assumed."""

    text: str
    instalments: list[InstalmentWrite]
    unread: list[str] = field(default_factory=list)
    """Words read as an "other" instalment, because no trigger could be made of them."""
    assumed: list[str] = field(default_factory=list)
    """How a lenient reading was taken, such as a bare 50 read as 50%."""

    @property
    def fully_read(self) -> bool:
        """Whether every part became a structured trigger."""
        return not self.unread


def cleaned(text: str) -> str:
    """The text with its spacing, final full stop and known misspellings tidied."""
    words = " ".join(text.split()).strip().rstrip(".").strip()
    for wrong, right in _TYPOS.items():
        words = re.sub(rf"\b{wrong}\b", right, words, flags=re.IGNORECASE)
    return words


def read_trigger(words: str) -> InstalmentTrigger | None:
    """One trigger's words as a structured trigger; None where they are not a shape this reads."""
    lower = words.lower()
    description = words[:2000]
    for kind, measure in ((TriggerType.on_occupation, "occup"), (TriggerType.on_completion, "complet")):
        if measure not in lower or (kind is TriggerType.on_completion and "deed" in lower):
            continue
        percent = re.search(rf"([0-9]+)\s?%\s*(?:of\s+the\s+{_DWELLING}\s+)?(?:occupation|completion|{measure})", lower)
        percent = percent or re.search(rf"{measure}\w*\s+of\s+([0-9]+)\s?%\s+of\s+the\s+{_DWELLING}", lower)
        if percent:
            return InstalmentTrigger(
                type=kind, threshold=int(percent[1]), threshold_unit=ThresholdUnit.percent, description=description
            )
        if "%" in lower:
            return None  # a percent this does not read, such as "the 150% dwelling"
        dwelling = re.search(rf"(?:{_ORDINAL}|(first|second|third))\s+{_DWELLING}", lower)
        counted = re.search(rf"(?:{_ORDINAL}|(first|second|third))\s+(?:occupation|completion)", lower)
        found = dwelling or counted
        if found:
            number = int(found[1]) if found[1] else _WORD_ORDINALS[found[2]]
            return InstalmentTrigger(type=kind, threshold=number, description=description)
        if re.search(r"[0-9]", lower):
            return None
        if kind is TriggerType.on_occupation:
            return InstalmentTrigger(type=kind, threshold=1, description=description)  # the first occupation
        return InstalmentTrigger(type=kind, description=description)  # completion of the development
    if "commence" in lower or re.search(r"\bprior to (?:the )?(?:start of )?development\b", lower):
        return InstalmentTrigger(type=TriggerType.on_commencement, description=description)
    if "signing" in lower or "completion of this deed" in lower or "date of this deed" in lower:
        return InstalmentTrigger(type=TriggerType.on_signing, description=description)
    when = read_date(lower)
    if when is not None:
        return InstalmentTrigger(type=TriggerType.on_date, on=when, description=description)
    return None


def read_date(lower: str) -> date | None:
    """A date written 31/03/2025 or 31 March 2025 in the words; None if there is none."""
    numeric = re.search(r"\b([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\b", lower)
    written = re.search(r"\b([0-9]{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\s+([0-9]{4})\b", lower)
    try:
        if numeric:
            return date(int(numeric[3]), int(numeric[2]), int(numeric[1]))
        if written and written[2] in _MONTHS:
            return date(int(written[3]), _MONTHS[written[2]], int(written[1]))
    except ValueError:
        return None
    return None


def read_share(share: str) -> tuple[Decimal | None, Decimal | None, bool]:
    """A share's percent or amount, and whether a bare number was taken as a percent."""
    text = share.replace(" ", "")
    try:
        if text.startswith("£"):
            return None, Decimal(text[1:].replace(",", "")), False
        if text.endswith("%"):
            return Decimal(text[:-1]), None, False
        return Decimal(text), None, True
    except InvalidOperation:
        return None, None, False


def read_schedule(text: str) -> ScheduleReading:
    """A free-text trigger as instalments (at least one); what could not be read is an "other" instalment."""
    words = cleaned(text)
    parts = [part.strip() for part in _SPLIT.split(words) if part.strip()]
    unread: list[str] = []
    assumed: list[str] = []
    read: list[tuple[Decimal | None, Decimal | None, str]] = []
    for part in parts:
        opening = _LEADING_SHARE.match(part)
        percent = amount = None
        rest = part
        if opening and (len(parts) > 1 or "%" in opening[1] or "£" in opening[1]):
            percent, amount, bare = read_share(opening[1])
            rest = part[opening.end() :].strip()
            if bare:
                assumed.append(f"{opening[1].strip()} read as {opening[1].strip()}%")
        read.append((percent, amount, rest))
    shares_given = [item for item in read if item[0] is not None or item[1] is not None]
    if len(read) == 1 and not shares_given:
        read = [(HUNDRED, None, read[0][2])]
    elif len(shares_given) != len(read) or (
        any(item[1] is not None for item in read) and any(item[0] is not None for item in read)
    ):
        return whole_as_other(text, words)
    instalments = []
    for percent, amount, rest in read:
        trigger = read_trigger(rest)
        if rest.lower().startswith("other:"):  # said to be other in so many words (the service's own export)
            trigger = InstalmentTrigger(type=TriggerType.other, description=rest[6:].strip()[:2000] or None)
        if trigger is None:
            unread.append(rest)
            trigger = InstalmentTrigger(type=TriggerType.other, description=rest[:2000])
        instalments.append(InstalmentWrite(percent=percent, amount=amount, trigger=trigger))
    if instalments[0].percent is not None:
        added = sum((item.percent or Decimal(0) for item in instalments), Decimal(0))
        if added > HUNDRED:
            return whole_as_other(text, words)
        if added < HUNDRED:
            rest = f"the remaining {HUNDRED - added:f}%: the text does not say when"
            unread.append(rest)
            instalments.append(
                InstalmentWrite(
                    percent=HUNDRED - added, trigger=InstalmentTrigger(type=TriggerType.other, description=rest)
                )
            )
    return ScheduleReading(text=text, instalments=instalments, unread=unread, assumed=assumed)


def whole_as_other(text: str, words: str) -> ScheduleReading:
    """A text whose shares cannot be read: one "other" instalment of 100% keeping all its words."""
    trigger = InstalmentTrigger(type=TriggerType.other, description=words[:2000])
    return ScheduleReading(text=text, instalments=[InstalmentWrite(percent=HUNDRED, trigger=trigger)], unread=[words])


def schedule_for(reading: ScheduleReading, total: Decimal) -> tuple[list[InstalmentWrite], str | None]:
    """The reading's instalments for a contribution of this total, and a note where amounts had to become
    percents because they do not add to it (each amount's part of their sum, the last taking the rest)."""
    amounts = [item.amount for item in reading.instalments if item.amount is not None]
    if not amounts or sum(amounts, Decimal(0)) == total:
        return reading.instalments, None
    whole = sum(amounts, Decimal(0))
    percents = [(amount * HUNDRED / whole).quantize(Decimal("0.0001")) for amount in amounts[:-1]]
    percents.append(HUNDRED - sum(percents, Decimal(0)))
    converted = [
        InstalmentWrite(percent=percent, trigger=item.trigger)
        for percent, item in zip(percents, reading.instalments, strict=True)
    ]
    return converted, f"its amounts add to £{whole:,.2f}, not the £{total:,.2f} published: read as shares of it"


_TYPED_SHARE = re.compile(rf"^({_SHARE})\s+(.+)$", re.IGNORECASE)


def read_typed(text: str) -> list[InstalmentWrite]:
    """A schedule typed on a page, one instalment a line ("45% on the 100th occupation", "£5,000 other: on
    adoption"); a ValueError names the first line that is not a share followed by a trigger this reads."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("write at least one instalment: its share, then its trigger")
    schedule = []
    for number, line in enumerate(lines, start=1):
        found = _TYPED_SHARE.match(cleaned(line))
        if found is None:
            raise ValueError(f"line {number} ({line[:80]!r}) does not start with a share such as 45% or £5,000.00")
        percent, amount, bare = read_share(found[1])
        if bare:
            raise ValueError(f"line {number}: write its share {found[1]} as {found[1]}% or as £{found[1]}")
        words = found[2].strip()
        if (percent if percent is not None else amount) == 0:
            raise ValueError(f"line {number}: its share {found[1]} is nothing: give a share above 0, or leave it out")
        if percent is not None and percent > HUNDRED:
            raise ValueError(f"line {number}: its share {found[1]} is more than the whole (at most 100%)")
        if words.lower().startswith("other:"):
            trigger = InstalmentTrigger(type=TriggerType.other, description=words[6:].strip()[:2000] or None)
        else:
            read = read_typed_trigger(number, words)
            if read is None:
                raise ValueError(
                    f"line {number}: cannot read {words[:80]!r} as a trigger; write it as on signing, on commencement, "
                    "on the 50th occupation, on 50% occupation, on completion, on 31/03/2027, or start it with "
                    '"other:" to keep the words as they are'
                )
            trigger = read.model_copy(update={"description": None})
        try:
            schedule.append(InstalmentWrite(percent=percent, amount=amount, trigger=trigger))
        except ValidationError as error:
            raise ValueError(f"line {number} ({line[:80]!r}): {plain_reason(error)}") from error
    return schedule


def read_typed_trigger(number: int, words: str) -> InstalmentTrigger | None:
    """A typed line's trigger; a ValueError in plain words for a threshold or date that cannot be."""
    lower = words.lower()
    for given in re.findall(r"\b([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\b", lower):
        day, month, year = (int(part) for part in given)
        try:
            date(year, month, day)
        except ValueError:
            raise ValueError(f"line {number}: {'/'.join(given)} is not a real date") from None
    for given in re.finditer(r"\b([0-9]{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\s+([0-9]{4})\b", lower):
        if given[2] in _MONTHS:
            try:
                date(int(given[3]), _MONTHS[given[2]], int(given[1]))
            except ValueError:
                raise ValueError(f"line {number}: {words[given.start() : given.end()]} is not a real date") from None
    if "occup" in lower or "complet" in lower:
        for share in re.findall(r"([0-9]+)\s?%", lower):
            if int(share) > 100:
                raise ValueError(f"line {number}: {share}% of the dwellings is more than all of them (at most 100%)")
        for counted in re.finditer(r"([0-9]+)(?:st|nd|rd|th)\b", lower):
            if int(counted[1]) > MOST_DWELLINGS:
                raise ValueError(f"line {number}: the {counted[0]} dwelling is more than any agreement has")
    try:
        return read_trigger(words)
    except ValidationError as error:
        raise ValueError(f"line {number}: {plain_reason(error)}") from error


def plain_reason(error: ValidationError) -> str:
    """A validation error's first reason without its model, field path or link."""
    first = error.errors(include_url=False)[0]
    return str(first["msg"]).removeprefix("Value error, ")
