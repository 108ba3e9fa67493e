"""Repurposing through HTTP: consent changes purpose or project, and the history is kept."""

from tests.project_builders import allocate, funded_contribution, project, spend


class TestRepurposing:
    """A vehicles contribution repurposed for premises can then pay for a building."""

    def test_repurposed_contribution_may_then_be_spent(self, api) -> None:
        building = project(api)
        fleet = project(api, name="Response Cars", category="vehicles", estimate_low="60000.00")
        vehicles = funded_contribution(api, purpose="vehicles", amount="20000.00", received="20000.00")
        refused = allocate(api, building["id"], vehicles["id"], "20000.00")
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "contribution_id"
        assert allocate(api, fleet["id"], vehicles["id"], "20000.00").status_code == 201
        change = api.post(
            f"/contributions/{vehicles['id']}/repurposings",
            json={
                "purpose": "premises",
                "from_project_id": fleet["id"],
                "to_project_id": building["id"],
                "consented_on": "2021-05-01",
                "consent_reference": "BDC letter 2021/44",
            },
        )
        assert change.status_code == 201, change.text
        assert (change.json()["from_purpose"], change.json()["to_purpose"]) == ("vehicles", "premises")
        assert change.json()["moved_amount"] == "20000.00"
        assert api.get(f"/contributions/{vehicles['id']}").json()["purpose"] == "premises"
        accepted = spend(api, project_id=building["id"], amount="5000.00", charges=[(vehicles["id"], "5000.00")])
        assert accepted.status_code == 201, accepted.text
        history = api.get(f"/contributions/{vehicles['id']}/repurposings", role="planning").json()
        assert [(item["consent_reference"], item["consented_on"]) for item in history] == [
            ("BDC letter 2021/44", "2021-05-01")
        ]

    def test_moving_to_another_project_moves_only_the_uncommitted_part(self, api) -> None:
        first = project(api)
        second = project(api, name="Loughborough Office", estimate_low="210000.00")
        premises = funded_contribution(api, amount="20000.00", received="20000.00")
        allocate(api, first["id"], premises["id"], "20000.00")
        spend(api, project_id=first["id"], amount="5000.00", charges=[(premises["id"], "5000.00")])
        moved = api.post(
            f"/contributions/{premises['id']}/repurposings",
            json={
                "from_project_id": first["id"],
                "to_project_id": second["id"],
                "consented_on": "2021-06-01",
                "consent_reference": "email 12 May",
            },
        )
        assert moved.status_code == 201, moved.text
        assert moved.json()["moved_amount"] == "15000.00"
        assert moved.json()["from_purpose"] == moved.json()["to_purpose"] == "premises"
        assert api.get(f"/projects/{first['id']}").json()["totals"]["identified"] == "5000.00"
        assert api.get(f"/projects/{second['id']}").json()["totals"]["identified"] == "15000.00"
        again = api.post(
            f"/contributions/{premises['id']}/repurposings",
            json={
                "from_project_id": first["id"],
                "to_project_id": second["id"],
                "consented_on": "2021-06-02",
                "consent_reference": "again",
            },
        )
        assert again.status_code == 409


class TestRefusals:
    """Each refusal names its field and changes nothing."""

    def _refused(self, api, contribution_id: int, body: dict, status: int, field: str) -> None:
        response = api.post(f"/contributions/{contribution_id}/repurposings", json=body)
        assert response.status_code == status, response.text
        assert response.json()["errors"][0]["field"] == field
        assert api.get(f"/contributions/{contribution_id}/repurposings").json() == []

    def test_bad_requests(self, api) -> None:
        made = funded_contribution(api, purpose="vehicles")
        consent = {"consented_on": "2021-05-01", "consent_reference": "x"}
        self._refused(api, made["id"], consent, 422, "purpose")
        self._refused(api, made["id"], {**consent, "purpose": "vehicles"}, 422, "purpose")
        self._refused(
            api, made["id"], {**consent, "purpose": "premises", "consented_on": "2999-01-01"}, 422, "consented_on"
        )
        self._refused(
            api, made["id"], {**consent, "purpose": "premises", "consented_on": "2001-01-01"}, 422, "consented_on"
        )
        self._refused(api, made["id"], {"purpose": "premises", "consented_on": "2021-05-01"}, 422, "consent_reference")
        self._refused(api, made["id"], {**consent, "to_project_id": 1}, 422, "to_project_id")
        assert api.get(f"/contributions/{made['id']}").json()["purpose"] == "vehicles"

    def test_money_moves_only_to_a_project_its_purpose_fits(self, api) -> None:
        fleet = project(api, name="Response Cars", category="vehicles", estimate_low="60000.00")
        building = project(api)
        made = funded_contribution(api, purpose="vehicles", amount="20000.00", received="20000.00")
        assert allocate(api, fleet["id"], made["id"], "20000.00").status_code == 201
        move = {
            "from_project_id": fleet["id"],
            "to_project_id": building["id"],
            "consented_on": "2021-05-01",
            "consent_reference": "x",
        }
        self._refused(api, made["id"], move, 422, "to_project_id")
        self._refused(api, made["id"], {**move, "purpose": "equipment"}, 422, "to_project_id")
        assert api.get(f"/contributions/{made['id']}").json()["purpose"] == "vehicles"
        assert api.get(f"/projects/{fleet['id']}").json()["totals"]["identified"] == "20000.00"
        assert api.get(f"/projects/{building['id']}").json()["allocations"] == []

    def test_only_the_officer_repurposes(self, api) -> None:
        made = funded_contribution(api, purpose="vehicles")
        body = {"purpose": "premises", "consented_on": "2021-05-01", "consent_reference": "x"}
        for role in ("planning", "finance"):
            assert api.post(f"/contributions/{made['id']}/repurposings", role=role, json=body).status_code == 403
        theirs = funded_contribution(api, local_authority_id="charnwood", reference="C/1")
        assert api.get(f"/contributions/{theirs['id']}/repurposings", role="planning").status_code == 404
