"""Instalments through HTTP: a contribution's money in tranches that always sum to its total value."""

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.instalments.service import allocate
from tests.builders import agreement, contribution, movement

CHARNWOOD = [
    {"percent": "10", "trigger": {"type": "on_commencement"}},
    {"percent": "45", "trigger": {"type": "on_occupation", "threshold": 100, "threshold_unit": "percent"}},
    {"percent": "45", "trigger": {"type": "on_occupation", "threshold": 250}},
]


def create(api: Any, agreement_id: int, amount: str, instalments: Any) -> Any:
    """Post a contribution with a schedule and return the response."""
    return api.post(
        f"/agreements/{agreement_id}/contributions",
        json={
            "purpose": "equipment",
            "amount": amount,
            "trigger": {"type": "on_commencement"},
            "instalments": instalments,
        },
    )


def schedule(api: Any, contribution_id: int, instalments: Any, *, role: str = "officer") -> Any:
    """Replace a contribution's schedule and return the response."""
    return api.request(
        "PUT", f"/contributions/{contribution_id}/instalments", role=role, json={"instalments": instalments}
    )


class TestAllocation:
    @given(
        total=st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2),
        weights=st.lists(st.decimals(min_value=0, max_value=100, places=4), min_size=1, max_size=12),
    )
    def test_instalments_always_sum_to_the_total_value_and_none_is_negative(
        self, total: Decimal, weights: list[Decimal]
    ) -> None:
        shares = allocate(total, weights)
        assert sum(shares, Decimal(0)) == total
        assert all(share >= 0 and share == share.quantize(Decimal("0.01")) for share in shares)
        if sum(weights) > 0:
            for share, weight in zip(shares[:-1], weights[:-1], strict=True):
                exact = total * weight / sum(weights)
                assert exact - Decimal("0.01") < share <= exact  # in pence, rounded down; the rest to the last

    def test_thirds_leave_the_odd_penny_to_the_last(self) -> None:
        assert allocate(Decimal("100.00"), [Decimal(1)] * 3) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]


class TestSchedule:
    def test_a_contribution_without_a_schedule_is_one_instalment_of_its_trigger(self, api: Any) -> None:
        site = agreement(api)
        owed = contribution(api, site["id"], trigger_type="on_occupation", threshold=30, amount="12000.00")
        [only] = owed["instalments"]
        assert (only["percent"], only["value"], only["status"]) == ("100", "12000.00", "not_due")
        assert only["trigger"]["type"] == "on_occupation" and only["trigger"]["threshold"] == 30

    def test_a_charnwood_schedule_in_percents_is_worth_its_shares_of_the_total(self, api: Any) -> None:
        site = agreement(api, dwellings=300)
        response = create(api, site["id"], "266000.01", CHARNWOOD)
        assert response.status_code == 201, response.text
        shown = api.get(f"/contributions/{response.json()['id']}", role="planning").json()
        assert [item["value"] for item in shown["instalments"]] == ["26600.00", "119700.00", "119700.01"]
        assert shown["trigger"]["type"] == "on_commencement"

    def test_indexation_raises_each_amount_share_and_they_still_sum_to_the_total(self, api: Any) -> None:
        site = agreement(api)
        tranches = [
            {"amount": "40474.56", "trigger": {"type": "on_occupation", "threshold": 1}},
            {"amount": "40474.56", "trigger": {"type": "on_occupation", "threshold": 50, "threshold_unit": "percent"}},
            {"amount": "40474.56", "trigger": {"type": "on_occupation", "threshold": 75, "threshold_unit": "percent"}},
        ]
        owed = create(api, site["id"], "121423.68", tranches).json()
        assert [item["value"] for item in owed["instalments"]] == ["40474.56"] * 3
        assert movement(api, owed["id"], "indexation", "1000.00", "2022-01-01").status_code == 201
        values = [Decimal(item["value"]) for item in api.get(f"/contributions/{owed['id']}").json()["instalments"]]
        assert sum(values) == Decimal("122423.68")
        assert values == [Decimal("40807.89"), Decimal("40807.89"), Decimal("40807.90")]

    def test_shares_that_do_not_add_up_are_refused_naming_the_field_and_nothing_is_written(self, api: Any) -> None:
        site = agreement(api)
        short = [
            {"percent": "10", "trigger": {"type": "on_commencement"}},
            {"percent": "80", "trigger": {"type": "on_signing"}},
        ]
        refused = create(api, site["id"], "1000.00", short)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "instalments"
        assert "add to 90%, not 100%" in refused.json()["detail"]
        assert api.get(f"/agreements/{site['id']}/contributions").json()["total"] == 0
        owed = contribution(api, site["id"], amount="1000.00")
        wrong = schedule(api, owed["id"], [{"amount": "600.00", "trigger": {"type": "on_commencement"}}])
        assert wrong.status_code == 422 and "not the contribution's total value £1,000.00" in wrong.text
        mixed = schedule(
            api,
            owed["id"],
            [
                {"amount": "600.00", "trigger": {"type": "on_commencement"}},
                {"percent": "40", "trigger": {"type": "other"}},
            ],
        )
        assert mixed.status_code == 422 and mixed.json()["errors"][0]["field"] == "instalments"
        undated = schedule(api, owed["id"], [{"percent": "100", "trigger": {"type": "on_date"}}])
        assert undated.status_code == 422 and undated.json()["errors"][0]["field"] == "instalments.0.trigger.on"
        both = schedule(api, owed["id"], [{"percent": "100", "amount": "1000.00", "trigger": {"type": "other"}}])
        assert both.status_code == 422
        assert len(api.get(f"/contributions/{owed['id']}").json()["instalments"]) == 1

    def test_the_officer_replaces_a_schedule_audited_and_others_may_not(self, api: Any) -> None:
        site = agreement(api)
        owed = contribution(api, site["id"], amount="1000.00")
        tranches = [
            {"percent": "50", "trigger": {"type": "on_date", "on": "2027-04-01"}},
            {"percent": "50", "trigger": {"type": "other", "description": "on adoption of the open space"}},
        ]
        for role in ("finance", "planning", "panel"):
            assert schedule(api, owed["id"], tranches, role=role).status_code == 403
        replaced = schedule(api, owed["id"], tranches)
        assert replaced.status_code == 200, replaced.text
        assert [
            (item["position"], item["value"], item["trigger"]["type"]) for item in replaced.json()["instalments"]
        ] == [
            (1, "500.00", "on_date"),
            (2, "500.00", "other"),
        ]
        assert replaced.json()["instalments"][0]["trigger"]["on"] == "2027-04-01"
        audit = api.get("/audit", params={"resource": "instalments"}).json()["items"]
        assert audit[0]["resource_ids"] == [owed["id"]]

    def test_a_changed_trigger_is_the_single_instalments_and_refused_for_tranches(self, api: Any) -> None:
        site = agreement(api)
        owed = contribution(api, site["id"], amount="1000.00")
        changed = api.patch(f"/contributions/{owed['id']}", json={"trigger": {"type": "on_occupation", "threshold": 9}})
        assert changed.status_code == 200
        assert changed.json()["instalments"][0]["trigger"]["threshold"] == 9
        tranched = create(api, site["id"], "1000.00", CHARNWOOD).json()
        refused = api.patch(f"/contributions/{tranched['id']}", json={"trigger": {"type": "on_signing"}})
        assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "trigger"
        assert api.get(f"/contributions/{tranched['id']}").json()["trigger"]["type"] == "on_commencement"

    def test_a_schedule_with_an_instalment_due_is_kept(self, api: Any) -> None:
        site = agreement(api)
        owed = contribution(api, site["id"], amount="1000.00")
        met = api.post(f"/contributions/{owed['id']}/events", json={"kind": "trigger_met", "on": "2021-05-01"})
        assert met.status_code == 201
        [only] = api.get(f"/contributions/{owed['id']}").json()["instalments"]
        assert (only["status"], only["due_on"]) == ("due", "2021-05-01")
        kept = schedule(api, owed["id"], CHARNWOOD)
        assert kept.status_code == 409 and kept.json()["errors"][0]["field"] == "instalments"


class TestPages:
    def test_the_page_shows_the_schedule_and_the_officer_replaces_it_line_by_line(self, api: Any) -> None:
        from tests.forms import fill, sign_in

        site = agreement(api)
        owed = contribution(api, site["id"], amount="1000.00", trigger_type="on_occupation", threshold=30)
        sign_in(api, "officer")
        page = f"/web/contributions/{owed['id']}"
        shown = api.get(page, role=None).text
        assert 'id="instalments"' in shown and "on the 30th occupation" in shown and "Not yet due" in shown
        assert "instalments, each with its own trigger" not in shown
        form = f"/web/contributions/{owed['id']}/instalments"
        assert "100% on the 30th occupation" in api.get(form, role=None).text
        refused = fill(api, form, {"schedule": "50% on commencement\n50% at adoption"})
        assert refused.status_code == 422
        assert "line 2: cannot read &#39;at adoption&#39; as a trigger" in refused.text
        assert 'id="schedule-error"' in refused.text
        short = fill(api, form, {"schedule": "50% on commencement\n40% on the 10th occupation"})
        assert short.status_code == 422 and "add to 90%, not 100%" in short.text
        saved = fill(api, form, {"schedule": "10% on commencement\n45% on 100% occupation\n45% other: at adoption"})
        assert saved.status_code == 303, saved.text
        shown = api.get(page, role=None).text
        assert "on 100% occupation" in shown and "at adoption" in shown and "£450.00" in shown
        details = shown.split('id="contribution-details"')[1].split("</dl>")[0]
        assert "In 3 instalments, each with its own trigger" in details
        read = api.get(f"/contributions/{owed['id']}").json()["instalments"]
        assert [(item["percent"], item["trigger"]["type"]) for item in read] == [
            ("10", "on_commencement"),
            ("45", "on_occupation"),
            ("45", "other"),
        ]
        api.client.cookies.clear()
        sign_in(api, "finance")
        assert api.get(form, role=None).status_code == 403
        assert "Change the instalments" not in api.get(page, role=None).text

    def test_receipts_pay_the_instalments_in_order_whether_or_not_recorded_as_due(self, api: Any) -> None:
        from tests.forms import sign_in

        site = agreement(api, dwellings=300)
        response = create(api, site["id"], "1000.00", CHARNWOOD)
        assert response.status_code == 201, response.text
        owed = response.json()
        assert [item["outstanding"] for item in owed["instalments"]] == ["100.00", "450.00", "450.00"]
        # The developer pays the first tranche and part of the second before either is recorded as due.
        paid = movement(api, owed["id"], "received", "300.00", "2024-05-01")
        assert paid.status_code == 201, paid.text
        read = api.get(f"/contributions/{owed['id']}", role="planning").json()["instalments"]
        assert [(item["outstanding"], item["status"]) for item in read] == [
            ("0.00", "not_due"),
            ("250.00", "not_due"),
            ("450.00", "not_due"),
        ]
        sign_in(api, "officer")
        rows = api.get(f"/web/contributions/{owed['id']}", role=None).text.split('id="instalments"')[1]
        last_cells = [row.split("</tr>")[0].rsplit('nowrap">', 1)[1] for row in rows.split("data-instalment=")[1:]]
        assert [cell.split("</td>")[0] for cell in last_cells] == ["Paid", "Not yet due", "Not yet due"]
        second = read[1]["id"]
        assert api.post(f"/instalments/{second}/due", json={"on": "2024-06-03"}).status_code == 201
        rows = api.get(f"/web/contributions/{owed['id']}", role=None).text.split('id="instalments"')[1]
        assert "Due since 3 Jun 2024: £250.00 unpaid" in rows
        [same] = api.get(f"/agreements/{site['id']}/contributions").json()["items"]
        assert [item["outstanding"] for item in same["instalments"]] == ["0.00", "250.00", "450.00"]


class TestReviewedRules:
    def test_a_share_of_nothing_is_refused_naming_the_instalment(self, api: Any) -> None:
        site = agreement(api)
        owed = contribution(api, site["id"], amount="1000.00")
        nothing = [
            {"percent": "0", "trigger": {"type": "on_commencement"}},
            {"percent": "100", "trigger": {"type": "on_occupation", "threshold": 10}},
        ]
        refused = schedule(api, owed["id"], nothing)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "instalments.0.percent"
        assert "instalment 1 has a share of nothing" in refused.json()["detail"]
        pounds_nothing = [
            {"amount": "1000.00", "trigger": {"type": "on_commencement"}},
            {"amount": "0.00", "trigger": {"type": "on_occupation", "threshold": 10}},
        ]
        refused = schedule(api, owed["id"], pounds_nothing)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "instalments.1.amount"
        assert len(api.get(f"/contributions/{owed['id']}").json()["instalments"]) == 1

    def test_a_switch_to_or_from_on_signing_is_refused_and_writes_nothing(self, api: Any) -> None:
        site = agreement(api)
        owed = contribution(api, site["id"], amount="1000.00", trigger_type="on_commencement")
        before = api.get(f"/contributions/{owed['id']}").json()
        signing = [
            {"percent": "20", "trigger": {"type": "on_signing"}},
            {"percent": "80", "trigger": {"type": "on_commencement"}},
        ]
        refused = schedule(api, owed["id"], signing)
        assert refused.status_code == 409, refused.text
        assert refused.json()["errors"][0]["field"] == "instalments"
        assert "record the trigger met" in refused.json()["detail"]
        after = api.get(f"/contributions/{owed['id']}").json()
        assert (after["balances"], after["instalments"], after["trigger"]) == (
            before["balances"],
            before["instalments"],
            before["trigger"],
        )
        assert api.get("/audit", params={"resource": "instalments"}).json()["items"] == []

        accepted = schedule(
            api,
            owed["id"],
            [
                {"percent": "20", "trigger": {"type": "on_commencement"}},
                {"percent": "80", "trigger": {"type": "on_signing"}},
            ],
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["balances"] == before["balances"]

        signed = create(api, site["id"], "1000.00", signing).json()
        assert signed["trigger"]["type"] == "on_signing"  # creation with a schedule is unaffected
        held = signed["balances"]
        away = schedule(api, signed["id"], [{"percent": "100", "trigger": {"type": "on_commencement"}}])
        assert away.status_code == 409 and away.json()["errors"][0]["field"] == "instalments"
        kept = api.get(f"/contributions/{signed['id']}").json()
        assert kept["balances"] == held and kept["trigger"]["type"] == "on_signing"

    def test_an_on_signing_instalment_is_due_from_the_signing_on_the_api_and_the_page(self, api: Any) -> None:
        from tests.forms import sign_in

        site = agreement(api)
        owed = contribution(api, site["id"], amount="1000.00", trigger_type="on_signing")
        [only] = api.get(f"/contributions/{owed['id']}").json()["instalments"]
        assert (only["status"], only["due_on"]) == ("due", site["signed_on"])
        sign_in(api, "officer")
        shown = api.get(f"/web/contributions/{owed['id']}", role=None).text
        assert "Not yet due" not in shown and "Due since 1 Apr 2019" in shown
        watched = api.get("/instalment-watch").json()["items"]
        [item] = [item for item in watched if item["instalment_id"] == only["id"]]
        assert (item["kind"], item["on"]) == ("overdue", only["due_on"])

    def test_a_threshold_beyond_the_agreements_dwellings_is_refused_where_they_are_known(self, api: Any) -> None:
        from tests.forms import fill, sign_in

        site = agreement(api, dwellings=60)
        owed = contribution(api, site["id"], amount="1000.00", trigger_type="on_occupation", threshold=1)
        beyond = [
            {"percent": "50", "trigger": {"type": "on_occupation", "threshold": 60}},
            {"percent": "50", "trigger": {"type": "on_occupation", "threshold": 61}},
        ]
        refused = schedule(api, owed["id"], beyond)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "instalments.1.trigger.threshold"
        assert "61st occupation" in refused.json()["detail"] and "60 dwellings" in refused.json()["detail"]
        sign_in(api, "officer")
        form = f"/web/contributions/{owed['id']}/instalments"
        page = fill(api, form, {"schedule": "50% on the 60th occupation\n50% on the 61st occupation"})
        assert page.status_code == 422
        assert "line 2: instalment 2 is due on the 61st occupation, but the agreement has 60 dwellings" in page.text
        assert schedule(api, owed["id"], [{**beyond[0], "percent": "100"}]).status_code == 200
        unknown = agreement(api, reference="19/0002/OUT", dwellings=None)
        free = contribution(api, unknown["id"], amount="1000.00", trigger_type="on_occupation", threshold=1)
        assert schedule(api, free["id"], beyond).status_code == 200


class TestReviewedPages:
    def test_typed_lines_that_cannot_be_are_refused_in_plain_words_naming_the_line(self, api: Any) -> None:
        from tests.forms import fill, sign_in

        site = agreement(api)
        owed = contribution(api, site["id"], amount="1000.00")
        sign_in(api, "officer")
        form = f"/web/contributions/{owed['id']}/instalments"
        cases = {
            "50% on commencement\n50% on the 99999999999th occupation": "line 2: the 99999999999th dwelling is "
            "more than any agreement has",
            "150% on commencement": "line 1: its share 150% is more than the whole (at most 100%)",
            "50% on commencement\n50% on 200% occupation": "line 2: 200% of the dwellings is more than all of them",
            "50% on commencement\n50% on 31/02/2026": "line 2: 31/02/2026 is not a real date",
            "50% on 30 February 2027\n50% on commencement": "line 1: 30 February 2027 is not a real date",
            "0% on signing\n100% on commencement": "line 1: its share 0% is nothing",
            "£0 on signing\n£1,000.00 on commencement": "line 1: its share £0 is nothing",
        }
        for typed, message in cases.items():
            refused = fill(api, form, {"schedule": typed})
            assert refused.status_code == 422, typed
            assert message in refused.text, typed
            assert 'id="schedule-error"' in refused.text
            assert "validation error" not in refused.text and "pydantic" not in refused.text, typed
        assert api.get(f"/contributions/{owed['id']}").json()["instalments"][0]["percent"] == "100"

    def test_the_form_holds_the_schedule_and_is_not_offered_once_an_instalment_is_due(self, api: Any) -> None:
        from tests.forms import sign_in

        site = agreement(api, dwellings=300)
        owed = create(api, site["id"], "1000.00", CHARNWOOD).json()
        sign_in(api, "officer")
        page = f"/web/contributions/{owed['id']}"
        form = f"/web/contributions/{owed['id']}/instalments"
        shown = api.get(form, role=None).text
        assert "10% on commencement\n45% on 100% occupation\n45% on the 250th occupation</textarea>" in shown
        assert "Change the instalments</a>" in api.get(page, role=None).text
        first = owed["instalments"][0]["id"]
        due = api.post(f"/instalments/{first}/due", json={"on": "2021-05-01"})
        assert due.status_code == 201, due.text
        shown = api.get(page, role=None).text
        assert "Change the instalments</a>" not in shown
        assert 'id="schedule-fixed"' in shown and "An instalment has fallen due" in shown
        fixed = api.get(form, role=None)
        assert fixed.status_code == 409 and "An instalment has fallen due" in fixed.text
        assert "45% on the 250th occupation</textarea>" in fixed.text
