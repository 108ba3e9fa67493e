"""The national codelists (each family) and the readers of messy cells: dates, amounts, triggers."""

from datetime import date
from decimal import Decimal

import pytest

from app.models import TriggerType
from app.standard import codelists
from app.standard.parsing import base_reference, parse_amount, parse_date, read_table, read_trigger


class TestAgreementTypeCodes:
    """developer-agreement-type: section-106, community-infrastructure-levy, section-278."""

    def test_current_codes(self) -> None:
        assert codelists.current_codes(codelists.AGREEMENT_TYPE) == [
            "section-106",
            "community-infrastructure-levy",
            "section-278",
        ]

    @pytest.mark.parametrize("value", ["section-106", "community-infrastructure-levy", "section-278"])
    def test_valid(self, value: str) -> None:
        codelists.validate(codelists.AGREEMENT_TYPE, value)

    @pytest.mark.parametrize("value", ["Section-106", "s106", "section-106 ", ""])
    def test_an_export_must_write_codes_exactly(self, value: str) -> None:
        with pytest.raises(codelists.CodeError):
            codelists.validate(codelists.AGREEMENT_TYPE, value)

    @pytest.mark.parametrize(
        ("raw", "code"),
        [(" Section 106 ", "section-106"), ("S106", "section-106"), ("CIL", "community-infrastructure-levy")],
    )
    def test_an_import_reads_near_misses_with_a_warning(self, raw: str, code: str) -> None:
        matched = codelists.match(codelists.AGREEMENT_TYPE, raw)
        assert matched.code == code
        assert matched.warning is not None and repr(raw) in matched.warning


class TestPurposeCodes:
    """contribution-purpose: 22 codes, three of them retired; no police code (police is `other`)."""

    def test_counts(self) -> None:
        assert len(codelists.codelist(codelists.PURPOSE)) == 22
        assert len(codelists.current_codes(codelists.PURPOSE)) == 19
        assert "police" not in codelists.codelist(codelists.PURPOSE)

    def test_exact_code_has_no_warning(self) -> None:
        assert codelists.match(codelists.PURPOSE, "other") == codelists.CodeMatch("other")

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("Education", "education"),
            (" Health ", "health"),
            ("green-infastructure", "green-infrastructure"),
            ("Green Infrastructure", "green-infrastructure"),
            ("monitoring", "monitoring-fees"),
            ("Police", "other"),
            ("affordable_housing", "affordable-housing"),
        ],
    )
    def test_near_misses(self, raw: str, code: str) -> None:
        matched = codelists.match(codelists.PURPOSE, raw)
        assert matched.code == code
        assert matched.warning is not None

    def test_retired_code_is_read_as_its_successor_with_a_warning(self) -> None:
        matched = codelists.match(codelists.PURPOSE, "open-space")
        assert matched.code == "open-space-and-leisure"
        assert matched.warning == (
            "contribution-purpose 'open-space' was retired from the codelist on 2019-03-27; "
            "read as 'open-space-and-leisure'"
        )
        assert not codelists.is_valid(codelists.PURPOSE, "open-space")

    @pytest.mark.parametrize(
        ("family", "raw", "code"),
        [
            (codelists.PURPOSE, "other-HRA", "other"),
            (codelists.PURPOSE, "education-primary", "education"),
            (codelists.PURPOSE, "Affordable Housing - Units On Site", "affordable-housing"),
            (codelists.PURPOSE, "Off Site Play Contribution", "open-space-and-leisure"),
            (codelists.PURPOSE, "transport", "transport-and-travel"),
            (codelists.AGREEMENT_TYPE, "S106", "section-106"),
            (codelists.AGREEMENT_TYPE, "Section 106", "section-106"),
            (codelists.AGREEMENT_TYPE, "S.106", "section-106"),
            (codelists.AGREEMENT_TYPE, "Section 106 agreement", "section-106"),
            (codelists.AGREEMENT_TYPE, "Unilateral Undertaking", "section-106"),
            (codelists.FUNDING_STATUS, "SECURED: the trigger clauses have been met", "secured"),
        ],
    )
    def test_suffixes_old_names_and_words_are_read_with_a_warning(self, family: str, raw: str, code: str) -> None:
        matched = codelists.match(family, raw)
        assert (matched.code, matched.warning is not None) == (code, True)

    @pytest.mark.parametrize("raw", ["bicycles", "", "   "])
    def test_nothing_close(self, raw: str) -> None:
        with pytest.raises(codelists.CodeError):
            codelists.match(codelists.PURPOSE, raw)


class TestFundingStatusCodes:
    """contribution-funding-status: the codelist's five, and returned from the guidance."""

    def test_codes(self) -> None:
        assert codelists.current_codes(codelists.FUNDING_STATUS) == [
            "secured",
            "received",
            "allocated",
            "transferred",
            "spent",
            "returned",
        ]

    @pytest.mark.parametrize(("raw", "code"), [(" Received ", "received"), ("SPENT", "spent"), ("repaid", "returned")])
    def test_near_misses(self, raw: str, code: str) -> None:
        assert codelists.match(codelists.FUNDING_STATUS, raw).code == code

    def test_unknown(self) -> None:
        with pytest.raises(codelists.CodeError, match="'paid out' is not in the codelist"):
            codelists.match(codelists.FUNDING_STATUS, "paid out")

    def test_unknown_family(self) -> None:
        with pytest.raises(KeyError):
            codelists.codelist("contribution-colour")


class TestDates:
    """Dates as published: ISO, day first, Excel serials, partial dates."""

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("2019-06-20", date(2019, 6, 20)),
            ("20/06/2019", date(2019, 6, 20)),
            ("5/3/2020", date(2020, 3, 5)),
            ("2020-11-04 00:00:00", date(2020, 11, 4)),
            (43809, date(2019, 12, 10)),
            ("43809", date(2019, 12, 10)),
            ("43809.0", date(2019, 12, 10)),
            (date(2020, 1, 2), date(2020, 1, 2)),
        ],
    )
    def test_read(self, raw: object, expected: date) -> None:
        assert parse_date(raw).value == expected

    def test_serials_and_partial_dates_are_noted(self) -> None:
        assert parse_date(43809).warning is not None
        assert parse_date("2019-06").value == date(2019, 6, 1)
        assert parse_date("2019").warning == "date '2019' is only a year; read as 1 January"
        assert parse_date("2019-06-20").warning is None

    @pytest.mark.parametrize("raw", ["31/02/2020", "next week", "", "12.5", 0])
    def test_refused(self, raw: object) -> None:
        with pytest.raises(ValueError):
            parse_date(raw)


class TestAmounts:
    """Amounts in pounds, rounded to pence, never a float in the result."""

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("556233.67000000004", Decimal("556233.67")),
            (556233.67, Decimal("556233.67")),
            ("£25,000.00", Decimal("25000.00")),
            (20083, Decimal("20083.00")),
            (" 2137028.25 ", Decimal("2137028.25")),
        ],
    )
    def test_read(self, raw: object, expected: Decimal) -> None:
        parsed = parse_amount(raw)
        assert parsed is not None and parsed.value == expected and parsed.warning is None
        assert isinstance(parsed.value, Decimal)

    def test_fractions_of_a_penny_are_rounded_with_a_warning(self) -> None:
        parsed = parse_amount("10.005")
        assert parsed is not None and parsed.value == Decimal("10.01")
        assert parsed.warning == "amount 10.005 has fractions of a penny; rounded to 10.01"
        half_down = parse_amount("10.004999")
        assert half_down is not None and half_down.value == Decimal("10.00")

    def test_blank_is_none_and_nonsense_is_refused(self) -> None:
        assert parse_amount("  ") is None
        with pytest.raises(ValueError):
            parse_amount("a lot")
        with pytest.raises(ValueError, match="negative"):
            parse_amount("-5")


class TestReferencesTriggersAndTables:
    """Reference suffixes, free-text triggers, and reading CSV with stray cells."""

    def test_base_reference(self) -> None:
        assert base_reference("P/18/0662/2-dac") == "P/18/0662/2"
        assert base_reference("17/1177/ful-da") == "17/1177/ful"
        assert base_reference("ABC-123") == "ABC-123"

    @pytest.mark.parametrize(
        ("words", "kind", "threshold"),
        [
            ("Prior to commencement.", TriggerType.on_commencement, None),
            ("Prior to the occupation of the 22nd dwelling.", TriggerType.on_occupation, 22),
            ("Prior to first occupation", TriggerType.on_occupation, 1),
            ("50% prior to occupation of 50% of the dwellings", TriggerType.on_occupation, None),
            ("Prior to development", TriggerType.on_commencement, None),
            ("at adoption", TriggerType.other, None),
        ],
    )
    def test_triggers(self, words: str, kind: TriggerType, threshold: int | None) -> None:
        reading = read_trigger(words)
        assert (reading.type, reading.threshold, reading.description) == (kind, threshold, words)

    def test_csv_with_a_value_under_no_heading_and_blank_rows(self) -> None:
        table = read_table("t.csv", b"\xef\xbb\xbfReference,Amount\na,1,stray\n,\nb,2\n")
        assert table.headings == ["reference", "amount"]
        assert table.rows == [(2, {"reference": "a", "amount": "1"}), (4, {"reference": "b", "amount": "2"})]
        assert table.extra_cells == [2]
