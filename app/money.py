"""Money: one Decimal type, quantized to pence, never a float."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: object) -> Decimal:
    """Quantize a stored or aggregated value to pence (SQLite hands sums back as floats)."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    try:
        # str() first so a float from SQLite's SUM is read as printed, not as its binary expansion.
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as error:
        raise ValueError(f"not an amount of money: {value!r}") from error


def format_money(value: Decimal) -> str:
    """The JSON form of an amount: a decimal string with two places, such as "1234.50"."""
    return str(to_money(value))


def pounds(value: Decimal) -> str:
    """An amount as messages show it: £10,000.00, or -£250.00 when negative."""
    amount = to_money(value)
    return f"-£{-amount:,}" if amount < 0 else f"£{amount:,}"


def parse_money(text: str) -> Decimal:
    """Parse a user's amount, accepting a leading £ and thousands commas (for imported files)."""
    cleaned = text.strip().replace("£", "").replace(",", "")
    if cleaned.startswith("(") and cleaned.endswith(")"):
        cleaned = "-" + cleaned[1:-1]
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(f"not an amount of money: {text!r}") from error
    if not value.is_finite():
        raise ValueError(f"not an amount of money: {text!r}")
    return value


_serialize = PlainSerializer(format_money, return_type=str, when_used="json")

# ASCII digits only: Python's \d and Decimal() also read Arabic-Indic and full-width digits.
_AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")


def _amount_as_written(value: object) -> object:
    """An amount sent by a client must be written as pounds and pence: "1234.50", never a number or "1e3"."""
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        raise ValueError('an amount is a string of pounds and pence, such as "1234.50", not a number')
    if not _AMOUNT.fullmatch(value):
        raise ValueError(
            f'{value[:40]!r} is not an amount: write pounds and pence such as "1234.50" '
            "(at most 12 digits before the point and 2 after it)"
        )
    return value


_written = BeforeValidator(_amount_as_written)
_written_schema = WithJsonSchema(
    {"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$", "examples": ["1234.50"]}, mode="validation"
)

Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2), _serialize]
"""An amount in pounds: at most 12 digits before the point and 2 after."""

PositiveMoney = Annotated[Decimal, _written, Field(gt=0, max_digits=14, decimal_places=2), _serialize, _written_schema]
"""An amount that must be greater than zero (every ledger movement)."""

WrittenMoney = Annotated[Decimal, _written, Field(ge=0, max_digits=14, decimal_places=2), _serialize, _written_schema]
"""An amount a client writes that may be zero (a cost, say): pounds and pence as a string, as every amount."""

SignedMoney = Annotated[Decimal, _serialize]
"""A derived figure that may be negative, such as unspent_drawn when spend came first."""
