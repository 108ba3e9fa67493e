"""The bid calculator through HTTP: costs by dwelling type, index-linked from the formula's base date to the bid's
calculation date, the assumption beside each figure, and the workings as DOCX and PDF."""

import io
from typing import Any

from docx import Document as WordDocument

from tests.forms import created_id, fill, sign_in
from tests.pages import figures
from tests.test_bids import bid

INDEX = (
    "month,value,source\n2024-03,400.0,BCIS All-in TPI\n2024-09,410.0,BCIS All-in TPI\n2024-10,420.0,BCIS All-in TPI\n"
)
TYPED = {
    "name": "LLR formula by dwelling type",
    "base_date": "2024-04-01",
    "index_series": "bcis",
    "items": [
        {
            "item": "officers_and_staff",
            "cost_per_dwelling": "120.00",
            "cost_per_house": "140.00",
            "cost_per_flat": "80.00",
            "assumption": "2.4 people a house, 1.6 a flat; 1 officer per 1,000 people",
        },
        {"item": "premises", "cost_per_dwelling": "50.00", "assumption": "0.25 sq m of station per household"},
    ],
}


def load_index(api: Any, text: str = INDEX) -> None:
    response = api.post("/index-series/bcis", content=text.encode(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.text


def typed_formula(api: Any, **changes: Any) -> dict[str, Any]:
    response = api.post("/bid-formulas", json={**TYPED, **changes})
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestByTypeAndIndex:
    """Houses and flats costed apart, and every cost moved by the index from the base month to the bid's month."""

    def test_a_bid_by_type_indexed_to_its_calculation_date(self, api) -> None:
        load_index(api)
        made = typed_formula(api)
        assert made["index_series"] == "bcis" and made["items"][0]["cost_per_flat"] == "80.00"
        shown = bid(api, formula_id=made["id"], dwellings=100, houses=60, calculated_on="2024-11-15")
        workings = shown["workings"]
        assert (shown["houses"], shown["flats"]) == (60, 40)
        # October 2024 (420) over March 2024 (400): each cost x 1.05, rounded to pence, then x the dwellings.
        assert workings["index"] == {
            "series": "bcis",
            "base_month": "2024-03-01",
            "base_value": "400.0000",
            "month": "2024-10-01",
            "value": "420.0000",
        }
        lines = [
            (line["item"], line["dwelling_type"], line["indexed_cost"], line["amount"]) for line in workings["lines"]
        ]
        assert lines == [
            ("officers_and_staff", "house", "147.00", "8820.00"),
            ("officers_and_staff", "flat", "84.00", "3360.00"),
            ("premises", None, "52.50", "5250.00"),
        ]
        assert shown["amount_bid"] == workings["total"] == "17430.00"
        assert "£147.00 per house x 60 = £8,820.00 (2.4 people a house, 1.6 a flat" in workings["text"]
        assert "index-linked by bcis: 2024-10 (420.0000) / 2024-03 (400.0000)" in workings["text"]

    def test_an_index_not_yet_published_takes_the_latest_month_before(self, api) -> None:
        load_index(api)
        made = typed_formula(api)
        shown = bid(api, formula_id=made["id"], dwellings=10, calculated_on="2025-02-01")
        assert shown["workings"]["index"]["month"] == "2024-10-01"
        assert [line["dwelling_type"] for line in shown["workings"]["lines"]] == [None, None]

    def test_the_mix_must_add_up_and_the_base_month_must_be_loaded(self, api) -> None:
        response = api.post("/bid-formulas", json=TYPED)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "index_series"
        load_index(api)
        made = typed_formula(api)
        refused = api.post(
            "/bids",
            json={
                "local_authority_id": "blaby",
                "application_reference": "24/0100/OUT",
                "site": "Land south of Hospital Lane",
                "dwellings": 100,
                "houses": 60,
                "flats": 50,
                "consulted_on": "2024-03-01",
                "formula_id": made["id"],
            },
        )
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "flats"

    def test_the_calculator_takes_a_mix_and_a_date(self, api) -> None:
        load_index(api)
        made = typed_formula(api)
        params = {"dwellings": 10, "flats": 10, "on": "2024-10-05"}
        response = api.get(f"/bid-formulas/{made['id']}/workings", params=params, role="planning")
        assert response.status_code == 200, response.text
        # September 2024 (410) / March (400): flats 80.00 -> 82.00, premises 50.00 -> 51.25.
        assert response.json()["total"] == "1332.50"


class TestVersionsKeepTheirWorkings:
    """A new formula version, or the index loaded again with other figures, leaves an old bid's workings as is."""

    def test_old_bids_keep_their_version_and_index(self, api) -> None:
        load_index(api)
        first = typed_formula(api)
        old = bid(api, formula_id=first["id"], dwellings=100, houses=60, calculated_on="2024-11-15")
        second = typed_formula(
            api,
            items=[{"item": "premises", "cost_per_dwelling": "99.00", "assumption": "a new station in the area"}],
        )
        assert (second["version"], second["name"]) == (2, first["name"])
        load_index(api, INDEX.replace("420.0", "500.0"))
        again = api.get(f"/bids/{old['id']}").json()
        assert again["workings"] == old["workings"] and again["amount_bid"] == "17430.00"
        newer = bid(
            api, application_reference="24/0200/OUT", formula_id=second["id"], dwellings=100, calculated_on="2024-11-15"
        )
        # The reloaded October figure (500) applies to the new bid only: 99.00 x 1.25 = 123.75 a dwelling.
        assert newer["amount_bid"] == "12375.00" and newer["workings"]["formula_version"] == 2


class TestWorkingsDocuments:
    """A bid's workings download as DOCX and PDF through the one printable writer."""

    def test_docx_holds_the_figures_and_pdf_is_a_pdf(self, api) -> None:
        load_index(api)
        made = typed_formula(api)
        shown = bid(api, formula_id=made["id"], dwellings=100, houses=60, calculated_on="2024-11-15")
        docx = api.get(f"/bids/{shown['id']}/workings", params={"format": "docx"})
        assert docx.status_code == 200
        assert docx.headers["content-type"].startswith("application/vnd.openxmlformats")
        opened = WordDocument(io.BytesIO(docx.content))
        cells = [[cell.text for cell in row.cells] for row in opened.tables[0].rows]
        assert cells[1][:6] == ["officers and staff", "house", "£140.00", "£147.00", "60", "£8,820.00"]
        assert cells[-1][5] == "£17,430.00"
        text = "\n".join(paragraph.text for paragraph in opened.paragraphs)
        assert "24/0100/OUT" in text and "Total: £17,430.00" in text and "October 2024 (420.0000)" in text
        assert "Costs as at 1 April 2024, index-linked" in text and "to 15 November 2024:" in text
        pdf = api.get(f"/bids/{shown['id']}/workings", params={"format": "pdf"})
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")
        assert api.get(f"/bids/{shown['id']}/workings", role="panel").status_code == 403

    def test_the_bid_page_links_to_both(self, api) -> None:
        load_index(api)
        made = typed_formula(api)
        shown = bid(api, formula_id=made["id"], dwellings=100, houses=60, calculated_on="2024-11-15")
        sign_in(api, "finance")
        page = api.get(f"/web/bids/{shown['id']}", role=None)
        assert f"/bids/{shown['id']}/workings?format=docx" in page.text
        assert f"/bids/{shown['id']}/workings?format=pdf" in page.text
        assert "60 houses, 40 flats" in page.text
        assert api.get(f"/bids/{shown['id']}/workings?format=pdf", role=None).status_code == 200


class TestTheForm:
    """The officer's bid form takes the mix and the calculation date, and refuses a mix that does not add up."""

    def test_the_form_records_a_bid_by_type(self, api) -> None:
        load_index(api)
        made = typed_formula(api)
        sign_in(api, "officer")
        fields = {
            "local_authority_id": "blaby",
            "application_reference": "24/0100/OUT",
            "site": "Land south of Hospital Lane",
            "dwellings": "100",
            "houses": "60",
            "consulted_on": "01/03/2024",
            "formula_id": str(made["id"]),
            "calculated_on": "15/11/2024",
        }
        bid_id = created_id(fill(api, "/web/bids/new", fields), "/web/bids/")
        page = api.get(f"/web/bids/{bid_id}", role=None)
        assert figures(page.text, "workings")["key:total"]["amount"] == "£17,430.00"
        assert figures(page.text, "workings")["key:officers_and_staff-flat"]["indexed_cost"] == "£84.00"
        refused = fill(api, "/web/bids/new", {**fields, "application_reference": "24/0101/OUT", "flats": "50"})
        assert refused.status_code == 422 and "must add up to the 100 dwellings" in refused.text
