"""The optional public page (PUBLIC_PANEL_PAGE): the Panel's tables and the bids summary for anyone, at the
Panel's level; a 404 page while the setting is off, as it is by default."""

from typing import Any

import pytest

from app.config import Settings, get_settings
from tests.project_builders import allocate, funded_contribution, project
from tests.test_panel import a_bid


@pytest.fixture
def public(monkeypatch: pytest.MonkeyPatch) -> None:
    """The setting turned on."""
    monkeypatch.setattr(get_settings(), "public_panel_page", True)


def test_the_setting_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBLIC_PANEL_PAGE", raising=False)
    assert Settings(_env_file=None).public_panel_page is False  # type: ignore[call-arg]


def test_off_it_is_not_found_to_anyone(api: Any) -> None:
    api.client.cookies.clear()
    response = api.get("/public/panel", role=None)
    assert response.status_code == 404 and "Page not found" in response.text
    assert api.get("/public/panel?table=bids&format=csv", role=None).status_code == 404


class TestOn:
    """On, anyone reads the Panel's tables and the bids summary, and nothing finer."""

    def test_shows_the_tables_without_signing_in(self, api: Any, public: None) -> None:
        money = funded_contribution(api, reference="19/0456/OUT")
        made = project(api, name="Firearms Building")
        assert allocate(api, made["id"], money["id"], "60000.00").status_code == 201
        a_bid(api)
        api.client.cookies.clear()
        page = api.get("/public/panel", role=None)
        assert page.status_code == 200
        for table_id in ('id="panel"', 'id="public-projects"', 'id="public-deadlines"', 'id="public-bids"'):
            assert table_id in page.text
        assert "Firearms Building" in page.text and "£40,000.00" in page.text
        for private in ("19/0456/OUT", "24/0100/OUT", "Land south of Hospital Lane", "Example Homes", "/web/"):
            assert private not in page.text.split("</header>")[1], private

    @pytest.mark.parametrize("table", ["panel", "projects", "deadlines", "bids"])
    def test_each_table_downloads(self, api: Any, public: None, table: str) -> None:
        money = funded_contribution(api)
        made = project(api, name="Lutterworth Office", funding="local", local_authority_id="blaby")
        assert allocate(api, made["id"], money["id"], "60000.00").status_code == 201
        a_bid(api)
        api.client.cookies.clear()
        csv = api.get(f"/public/panel?table={table}&format=csv", role=None)
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert "Blaby" in csv.text
        xlsx = api.get(f"/public/panel?table={table}&format=xlsx", role=None)
        assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
