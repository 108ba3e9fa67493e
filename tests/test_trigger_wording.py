"""Councils' free-text triggers read into instalments: Charnwood's published Trigger column, text by text."""

import csv
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.instalments.wording import read_schedule, schedule_for
from tests.standard_helpers import CHARNWOOD_CSV, give_organisation_codes, imported

TRIGGERS = CHARNWOOD_CSV[2]


def charnwood_texts() -> list[str]:
    """Every distinct text of the Trigger column of Charnwood's transaction file (the repository's copy)."""
    with TRIGGERS.open(encoding="utf-8-sig", newline="") as file:
        return sorted({row["Trigger"] for row in csv.DictReader(file)})


def shape(text: str) -> list[tuple[str | None, str | None, str, int | None, str]]:
    """A reading as (percent, amount, trigger type, threshold, unit) per instalment."""
    return [
        (
            f"{item.percent:f}" if item.percent is not None else None,
            f"{item.amount:f}" if item.amount is not None else None,
            item.trigger.type.value,
            item.trigger.threshold,
            item.trigger.threshold_unit.value,
        )
        for item in read_schedule(text).instalments
    ]


class TestCharnwoodTexts:
    def test_the_tranches_of_the_issue_are_read(self) -> None:
        assert shape("10% prior to commencement - 45% prior to 100% occupation - 45% prior to 250th occupation.") == [
            ("10", None, "on_commencement", None, "dwellings"),
            ("45", None, "on_occupation", 100, "percent"),
            ("45", None, "on_occupation", 250, "dwellings"),
        ]
        text = (
            "£40,474.56 prior to occupation of the first dwelling, £40,474.56 prior to 50% occupation and "
            "£40,474.56 prior to 75% occupation"
        )
        assert shape(text) == [
            (None, "40474.56", "on_occupation", 1, "dwellings"),
            (None, "40474.56", "on_occupation", 50, "percent"),
            (None, "40474.56", "on_occupation", 75, "percent"),
        ]
        assert read_schedule(text).fully_read

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Prior to commencement", [("100", None, "on_commencement", None, "dwellings")]),
            ("Upon commencement", [("100", None, "on_commencement", None, "dwellings")]),
            ("Prior to development", [("100", None, "on_commencement", None, "dwellings")]),
            ("Prior to occupation", [("100", None, "on_occupation", 1, "dwellings")]),
            ("Prior to the 1st occupation of the first dwelling.", [("100", None, "on_occupation", 1, "dwellings")]),
            ("Prior to the occuaption of the 22nd dwelling", [("100", None, "on_occupation", 22, "dwellings")]),
            ("Prior to 1st occupation of 100th dwelling.", [("100", None, "on_occupation", 100, "dwellings")]),
            ("Prior to the occupation of the 5th unit", [("100", None, "on_occupation", 5, "dwellings")]),
            (
                "Prior to the occupation of 10% of the dwellings on site.",
                [("100", None, "on_occupation", 10, "percent")],
            ),
            (
                "25% prior to 80% occupation - 75% prior to 100% occupation",
                [("25", None, "on_occupation", 80, "percent"), ("75", None, "on_occupation", 100, "percent")],
            ),
            (
                "25% prior to the 1st occupation of the first dwelling and 75% prior to the 1st occupation of the 8th "
                "dwelling.",
                [("25", None, "on_occupation", 1, "dwellings"), ("75", None, "on_occupation", 8, "dwellings")],
            ),
            (
                "50% prior to the first occupation of tbe first dwelling, 50% prior to the first occupation of 50% of "
                "the dwellings",
                [("50", None, "on_occupation", 1, "dwellings"), ("50", None, "on_occupation", 50, "percent")],
            ),
        ],
    )
    def test_each_common_shape(self, text: str, expected: list[Any]) -> None:
        reading = read_schedule(text)
        assert shape(text) == expected
        assert reading.fully_read

    def test_a_bare_number_among_percents_is_read_as_a_percent_and_said(self) -> None:
        text = (
            "50% prior to the 1st occupation of the first dwelling & 50 prior to the 1st occupation of the 13th "
            "dwelling"
        )
        assert shape(text) == [
            ("50", None, "on_occupation", 1, "dwellings"),
            ("50", None, "on_occupation", 13, "dwellings"),
        ]
        assert read_schedule(text).assumed == ["50 read as 50%"]

    def test_what_cannot_be_read_is_an_other_instalment_keeping_its_words(self) -> None:
        adoption = read_schedule("Prior to adoption")
        assert shape("Prior to adoption") == [("100", None, "other", None, "dwellings")]
        assert adoption.instalments[0].trigger.description == "Prior to adoption"
        assert adoption.unread == ["Prior to adoption"]
        typo = read_schedule("50% prior to occupation of the 150% dwelling")
        assert [item.trigger.type.value for item in typo.instalments] == ["other", "other"]
        assert typo.unread == [
            "prior to occupation of the 150% dwelling",
            "the remaining 50%: the text does not say when",
        ]
        half = read_schedule("50% prior to commencement.")
        assert shape("50% prior to commencement.") == [
            ("50", None, "on_commencement", None, "dwellings"),
            ("50", None, "other", None, "dwellings"),
        ]
        assert not half.fully_read

    def test_every_text_of_the_file_becomes_a_schedule_of_the_whole_sum(self) -> None:
        texts = charnwood_texts()
        assert len(texts) == 53
        unread = []
        for text in texts:
            reading = read_schedule(text)
            percents = [item.percent for item in reading.instalments if item.percent is not None]
            assert not percents or sum(percents) == 100, text
            assert reading.instalments, text
            unread.extend(reading.unread)
        # What the file says that is not a trigger this reads: shown, never guessed.
        assert sorted(set(unread)) == [
            "Prior to adoption",
            "at adoption",
            "monitoring",
            "prior to occupation of the 150% dwelling",
            "the remaining 50%: the text does not say when",
        ]

    def test_amounts_that_do_not_add_to_the_sum_become_its_shares(self) -> None:
        reading = read_schedule("£100.00 prior to commencement and £300.00 prior to the 10th occupation")
        schedule, note = schedule_for(reading, Decimal("800.00"))
        assert [item.percent for item in schedule] == [Decimal("25.0000"), Decimal("75.0000")]
        assert note is not None and "£400.00, not the £800.00" in note
        exact, none = schedule_for(reading, Decimal("400.00"))
        assert [item.amount for item in exact] == [Decimal("100.00"), Decimal("300.00")] and none is None

    def test_dates_and_signing(self) -> None:
        reading = read_schedule("50% on signing of this deed and 50% by 01/04/2026")
        assert [(item.trigger.type.value, item.trigger.on) for item in reading.instalments] == [
            ("on_signing", None),
            ("on_date", __import__("datetime").date(2026, 4, 1)),
        ]


class TestImport:
    def test_imported_contributions_get_their_instalments_and_the_unread_are_reported(
        self, api: Any, session: Session
    ) -> None:
        give_organisation_codes(session)
        purposes = [
            "other",
            "education",
            "health",
            "community-facilities",
            "open-space-and-leisure",
            "highways",
            "transport-and-travel",
        ]
        report = imported(api, CHARNWOOD_CSV, "charnwood", purpose=purposes)
        found = api.get("/contributions", params={"local_authority": "charnwood", "limit": 200}).json()["items"]
        assert len(found) > 12
        for item in found:
            values = [Decimal(instalment["value"]) for instalment in item["instalments"]]
            assert sum(values) == Decimal(item["balances"]["total_value"]), item["id"]
        shapes = {
            tuple((i["percent"], i["trigger"]["type"], i["trigger"]["threshold"]) for i in item["instalments"])
            for item in found
        }
        assert (("10", "on_commencement", None), ("45", "on_occupation", 100), ("45", "on_occupation", 250)) in shapes
        assert ((None, "on_occupation", 1), (None, "on_occupation", 50), (None, "on_occupation", 75)) in shapes
        assert (("50", "other", None), ("50", "other", None)) in shapes  # "the 150% dwelling", kept as words
        kept = [
            instalment["trigger"]["description"]
            for item in found
            for instalment in item["instalments"]
            if instalment["trigger"]["type"] == "other"
        ]
        assert "prior to occupation of the 150% dwelling" in kept
        warned = [w["message"] for w in report["warnings"] if w["message"].startswith("trigger ")]
        assert any("could not read 'prior to occupation of the 150% dwelling'" in message for message in warned)
        assert any("add to £566,233.67, not the £556,233.67 published" in message for message in warned)


class TestOwnExport:
    def test_a_schedule_of_tranches_survives_the_services_own_export_and_import(
        self, api: Any, session: Session
    ) -> None:
        from tests.builders import agreement
        from tests.standard_helpers import export_zip, exported_files

        give_organisation_codes(session)
        site = agreement(api, local_authority_id="blaby", reference="24/0100/OUT", dwellings=200)
        tranches = [
            {"percent": "10", "trigger": {"type": "on_commencement"}},
            {"percent": "45", "trigger": {"type": "on_occupation", "threshold": 100, "threshold_unit": "percent"}},
            {"percent": "25", "trigger": {"type": "on_date", "on": "2027-04-01"}},
            {"percent": "20", "trigger": {"type": "other", "description": "on adoption of the roads"}},
        ]
        created = api.post(
            f"/agreements/{site['id']}/contributions",
            json={
                "purpose": "equipment",
                "amount": "9000.00",
                "trigger": {"type": "on_commencement"},
                "instalments": tranches,
            },
        )
        assert created.status_code == 201, created.text
        tables = export_zip(api, local_authority="blaby")
        [notes] = [row["notes"] for row in tables["developer-agreement-contribution"]]
        assert "instalments: 10% on commencement - 45% on 100% occupation - 25% on 01/04/2027 - 20% other:" in notes
        files = [
            (name, content.replace(b"local-authority-eng:BLA", b"local-authority-eng:CHA"))
            for name, content in exported_files(tables)
        ]
        report = imported(api, files, "charnwood")
        assert report["errors"] == [] and report["created"]["contributions"] == 1
        [back] = api.get("/contributions", params={"local_authority": "charnwood"}).json()["items"]
        assert [
            (item["percent"], item["trigger"]["type"], item["trigger"]["threshold"], item["trigger"]["on"])
            for item in back["instalments"]
        ] == [
            ("10", "on_commencement", None, None),
            ("45", "on_occupation", 100, None),
            ("25", "on_date", None, "2027-04-01"),
            ("20", "other", None, None),
        ]
        assert back["instalments"][3]["trigger"]["description"] == "on adoption of the roads"
