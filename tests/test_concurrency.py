"""Concurrency through the real server (uvicorn, four workers): no pound lost, none drawn twice.

Each test fires many requests at once at one contribution; the row lock taken by record_movement
(SQLite: the write lock taken by BEGIN IMMEDIATE) must let exactly as many succeed as the money allows.
"""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from app.auth.service import create_token
from app.models import ReleaseBasis, Role
from tests.builders import ensure_authority
from tests.servers import running_server, scratch_database

SIGNED_ON = "2019-04-01"
Request = Callable[[httpx.Client, int], httpx.Response]


@dataclass
class Server:
    """A running server and an officer's client of it."""

    base: str
    token: str
    database: str

    def client(self) -> httpx.Client:
        """A client authenticated as the officer."""
        return httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {self.token}"}, timeout=60)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """A database of its own, migrated, with an officer token, served by four uvicorn workers."""
    with scratch_database("concurrency") as (url, engine):
        with Session(engine) as session:
            ensure_authority(session, "blaby", "Blaby District Council")
            ensure_authority(session, "charnwood", "Charnwood Borough Council", ReleaseBasis.in_arrears)
            _row, token = create_token(session=session, name="concurrency officer", role=Role.officer)
            session.commit()
        with running_server(url, workers=4) as base:
            yield Server(base=base, token=token, database=url)


def fire(server: Server, count: int, request: Request) -> list[httpx.Response]:
    """Send `count` requests built by `request(client, index)` all at once; their responses in index order."""
    start = threading.Barrier(count)
    clients = [server.client() for _ in range(count)]

    def send(index: int) -> httpx.Response:
        start.wait()
        return request(clients[index], index)

    try:
        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(send, range(count)))
    finally:
        for client in clients:
            client.close()


def statuses(responses: list[httpx.Response]) -> dict[int, int]:
    """How many responses had each status."""
    counts: dict[int, int] = {}
    for response in responses:
        counts[response.status_code] = counts.get(response.status_code, 0) + 1
    return counts


def post_movement(client: httpx.Client, contribution_id: int, kind: str, amount: str, **extra: Any) -> httpx.Response:
    """POST /movements."""
    body = {"kind": kind, "contribution_id": contribution_id, "amount": amount, "on": "2020-06-01"}
    return client.post("/movements", json=body, **extra)


def new_contribution(server: Server, amount: str, reference: str) -> int:
    """An agreement with one contribution of the amount, development started; its id."""
    with server.client() as client:
        deed = client.post(
            "/agreements",
            json={"local_authority_id": "blaby", "reference": reference, "site": "Site", "signed_on": SIGNED_ON},
        )
        assert deed.status_code == 201, deed.text
        made = client.post(
            f"/agreements/{deed.json()['id']}/contributions",
            json={"purpose": "premises", "amount": amount, "trigger": {"type": "on_signing"}},
        )
        assert made.status_code == 201, made.text
        return int(made.json()["id"])


def balance(server: Server, contribution_id: int) -> dict[str, Decimal]:
    """A contribution's balances as at today, as Decimals."""
    with server.client() as client:
        response = client.get(f"/contributions/{contribution_id}")
        assert response.status_code == 200, response.text
        return {name: Decimal(value) for name, value in response.json()["balances"].items()}


def ledger(server: Server, contribution_id: int, kind: str) -> list[dict[str, Any]]:
    """A contribution's movements of one kind, from the ledger itself."""
    with server.client() as client:
        response = client.get("/movements", params={"contribution_id": contribution_id, "kind": kind, "limit": 500})
        assert response.status_code == 200, response.text
        return list(response.json()["items"])


def assert_refused_clearly(responses: list[httpx.Response], field: str) -> None:
    """Every refusal is a 409 problem naming the field."""
    for response in responses:
        if response.status_code != 201:
            assert response.status_code == 409, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["errors"][0]["field"] == field


class TestConcurrentDrawing:
    """32 officers draw £10 each at once from £100 held: exactly ten succeed."""

    def test_drawn(self, server: Server) -> None:
        contribution_id = new_contribution(server, "100.00", "CONC/DRAWN")
        with server.client() as client:
            assert post_movement(client, contribution_id, "received", "100.00").status_code == 201
        responses = fire(server, 32, lambda client, _i: post_movement(client, contribution_id, "drawn", "10.00"))
        assert statuses(responses) == {201: 10, 409: 22}
        assert_refused_clearly(responses, "amount")
        drawn = ledger(server, contribution_id, "drawn")
        assert len(drawn) == 10
        assert sum(Decimal(row["amount"]) for row in drawn) == Decimal("100.00")
        figures = balance(server, contribution_id)
        assert figures["drawn"] == Decimal("100.00")
        assert figures["held_by_local_authority"] == Decimal("0.00")
        assert figures["received_by_local_authority"] == Decimal("100.00")


class TestConcurrentDrawdownPayments:
    """32 payments of £10 at once against a request for the £100 an authority holds: exactly ten land."""

    def test_payments(self, server: Server) -> None:
        contribution_id = new_contribution(server, "100.00", "CONC/PAYMENTS")
        with server.client() as client:
            assert post_movement(client, contribution_id, "received", "100.00").status_code == 201
            project = client.post(
                "/projects",
                json={
                    "name": "Concurrent extension",
                    "funding": "pooled",
                    "category": "land_and_buildings",
                    "estimate_low": "100.00",
                },
            )
            assert project.status_code == 201, project.text
            project_id = project.json()["id"]
            allocation = client.post(
                f"/projects/{project_id}/allocations", json={"contribution_id": contribution_id, "amount": "100.00"}
            )
            assert allocation.status_code == 201, allocation.text
            request = client.post(
                "/drawdowns",
                json={
                    "local_authority_id": "blaby",
                    "project_id": project_id,
                    "lines": [{"contribution_id": contribution_id, "amount": "100.00"}],
                },
            )
            assert request.status_code == 201, request.text
            drawdown_id = request.json()["id"]
            for action in ("submit", "approve"):
                step = client.post(f"/drawdowns/{drawdown_id}/{action}", json={"on": "2020-06-02"})
                assert step.status_code in (200, 201), step.text
        payment = {"on": "2020-06-03", "lines": [{"contribution_id": contribution_id, "amount": "10.00"}]}
        responses = fire(server, 32, lambda client, _i: client.post(f"/drawdowns/{drawdown_id}/payments", json=payment))
        assert statuses(responses) == {201: 10, 409: 22}
        for response in responses:
            if response.status_code == 409:
                assert response.headers["content-type"].startswith("application/problem+json")
                assert response.json()["detail"]
        drawn = ledger(server, contribution_id, "drawn")
        assert len(drawn) == 10
        figures = balance(server, contribution_id)
        assert figures["drawn"] == Decimal("100.00")
        assert figures["held_by_local_authority"] == Decimal("0.00")
        with server.client() as client:
            paid = client.get(f"/drawdowns/{drawdown_id}").json()
        assert paid["status"] == "paid"


class TestConcurrentSpend:
    """Spend may not exceed the total value: with £95 of headroom, nine of 32 £10 spends succeed."""

    def test_spent(self, server: Server) -> None:
        contribution_id = new_contribution(server, "100.00", "CONC/SPENT")
        with server.client() as client:
            assert post_movement(client, contribution_id, "spent", "5.00").status_code == 201
        responses = fire(server, 32, lambda client, _i: post_movement(client, contribution_id, "spent", "10.00"))
        assert statuses(responses) == {201: 9, 409: 23}
        assert_refused_clearly(responses, "amount")
        assert len(ledger(server, contribution_id, "spent")) == 10
        figures = balance(server, contribution_id)
        assert figures["spent"] == Decimal("95.00")
        assert figures["remaining"] == Decimal("5.00")


class TestConcurrentReversal:
    """32 officers reverse the same receipt at once: exactly one reversal is written."""

    def test_reverse(self, server: Server) -> None:
        contribution_id = new_contribution(server, "100.00", "CONC/REVERSE")
        with server.client() as client:
            receipt = post_movement(client, contribution_id, "received", "60.00")
            assert receipt.status_code == 201
        receipt_id = receipt.json()["id"]
        responses = fire(
            server, 32, lambda client, _i: client.post(f"/movements/{receipt_id}/reverse", json={"on": "2020-07-01"})
        )
        assert statuses(responses) == {201: 1, 409: 31}
        assert_refused_clearly(responses, "movement_id")
        reversals = [row for row in ledger(server, contribution_id, "received") if row["reverses_id"] == receipt_id]
        assert len(reversals) == 1
        assert balance(server, contribution_id)["received_by_local_authority"] == Decimal("0.00")


class TestConcurrentIdempotencyKey:
    """The same Idempotency-Key sent 16 times at once, across workers: one movement, one answer."""

    def test_same_key(self, server: Server) -> None:
        contribution_id = new_contribution(server, "100.00", "CONC/IDEMPOTENT")
        headers = {"Idempotency-Key": "concurrent-receipt-1"}
        responses = fire(
            server,
            16,
            lambda client, _i: post_movement(client, contribution_id, "received", "25.00", headers=headers),
        )
        created = [response for response in responses if response.status_code == 201]
        assert created, statuses(responses)
        assert {response.json()["id"] for response in created} == {created[0].json()["id"]}
        for response in responses:
            if response.status_code != 201:
                assert response.status_code == 409, response.text
                assert response.json()["errors"][0]["field"] == "Idempotency-Key"
                assert "retry" in response.json()["detail"]
        assert len(ledger(server, contribution_id, "received")) == 1
        assert balance(server, contribution_id)["received_by_local_authority"] == Decimal("25.00")
        # A retry afterwards, whichever worker takes it, gets the first answer and writes nothing.
        with server.client() as client:
            again = post_movement(client, contribution_id, "received", "25.00", headers=headers)
        assert again.status_code == 201
        assert again.json() == created[0].json()
        assert len(ledger(server, contribution_id, "received")) == 1


class TestIdempotencyAcrossRestarts:
    """A key answered by one server is answered the same by a freshly started one: keys live in the database."""

    def test_restart(self, server: Server) -> None:
        contribution_id = new_contribution(server, "100.00", "CONC/RESTART")
        headers = {"Idempotency-Key": "receipt-before-restart"}
        with server.client() as client:
            first = post_movement(client, contribution_id, "received", "30.00", headers=headers)
        assert first.status_code == 201
        database = server.database
        with running_server(database, workers=1) as base:
            restarted = Server(base=base, token=server.token, database=database)
            with restarted.client() as client:
                again = post_movement(client, contribution_id, "received", "30.00", headers=headers)
        assert again.status_code == 201
        assert again.json() == first.json()
        assert len(ledger(server, contribution_id, "received")) == 1


class TestConcurrentDuplicates:
    """Eight officers record the same agreement reference at once: one is created, the others told why not."""

    def test_same_reference(self, server: Server) -> None:
        body = {"local_authority_id": "blaby", "reference": "CONC/SAME", "site": "Site", "signed_on": SIGNED_ON}
        responses = fire(server, 8, lambda client, _i: client.post("/agreements", json=body))
        assert statuses(responses) == {201: 1, 409: 7}, [response.text for response in responses]
        for response in responses:
            if response.status_code == 409:
                assert response.headers["content-type"].startswith("application/problem+json")
        with server.client() as client:
            found = client.get("/agreements", params={"reference": "CONC/SAME"}).json()
        assert found["total"] == 1


# Races between checks that live outside the ledger's own row locks: each takes the global lock order.


def arrears_project(server: Server, name: str, contributions: int) -> tuple[int, list[int]]:
    """A pooled project and contributions of Charnwood (in arrears), each received and allocated to it."""
    with server.client() as client:
        created = client.post(
            "/projects",
            json={"name": name, "funding": "pooled", "category": "land_and_buildings", "estimate_low": "900000.00"},
        )
        assert created.status_code == 201, created.text
        project_id = int(created.json()["id"])
        ids = []
        for index in range(contributions):
            deed = client.post(
                "/agreements",
                json={
                    "local_authority_id": "charnwood",
                    "reference": f"{name}/{index}",
                    "site": "Site",
                    "signed_on": SIGNED_ON,
                },
            )
            assert deed.status_code == 201, deed.text
            made = client.post(
                f"/agreements/{deed.json()['id']}/contributions",
                json={"purpose": "premises", "amount": "5000.00", "trigger": {"type": "on_signing"}},
            )
            assert made.status_code == 201, made.text
            contribution_id = int(made.json()["id"])
            assert post_movement(client, contribution_id, "received", "5000.00").status_code == 201
            allocated = client.post(
                f"/projects/{project_id}/allocations", json={"contribution_id": contribution_id, "amount": "5000.00"}
            )
            assert allocated.status_code == 201, allocated.text
            ids.append(contribution_id)
        return project_id, ids


def invoice(client: httpx.Client, project_id: int, reference: str, charges: list[tuple[int, str]]) -> int:
    """A spend of £5,000 on the project (an invoice a request may cite); its id."""
    body = {
        "project_id": project_id,
        "on": "2020-07-01",
        "supplier": "Example Construction Ltd",
        "invoice_reference": reference,
        "amount": "5000.00",
        "charges": [{"contribution_id": cid, "amount": amount} for cid, amount in charges],
    }
    response = client.post("/spend", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def draft(client: httpx.Client, project_id: int, contribution_id: int, spend_id: int) -> int:
    """A draft request to Charnwood for £5,000 of one contribution, citing one invoice; its id."""
    response = client.post(
        "/drawdowns",
        json={
            "local_authority_id": "charnwood",
            "project_id": project_id,
            "lines": [{"contribution_id": contribution_id, "amount": "5000.00"}],
            "invoice_spend_ids": [spend_id],
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


class TestInvoiceClaimedOnce:
    """Six requests on six contributions cite one £5,000 invoice and are submitted at once: one succeeds."""

    def test_submitted_together(self, server: Server) -> None:
        project_id, contributions = arrears_project(server, "Race: one invoice", 6)
        with server.client() as client:
            spend_id = invoice(client, project_id, "RACE-INV-1", [])
            drafts = [draft(client, project_id, cid, spend_id) for cid in contributions]
        responses = fire(server, 6, lambda client, i: client.post(f"/drawdowns/{drafts[i]}/submit", json={}))
        assert statuses(responses) == {200: 1, 409: 5}, [response.text for response in responses]
        for response in responses:
            if response.status_code == 409:
                assert "claimed once" in response.json()["detail"]


class TestCancelAgainstSubmit:
    """Cancelling an invoice while a request citing it is submitted: never both."""

    def test_never_both(self, server: Server) -> None:
        project_id, contributions = arrears_project(server, "Race: cancel or submit", 8)
        with server.client() as client:
            pairs = []
            for index in range(4):
                charged, requested = contributions[2 * index], contributions[2 * index + 1]
                spend_id = invoice(client, project_id, f"RACE-CANCEL-{index}", [(charged, "1000.00")])
                pairs.append((spend_id, draft(client, project_id, requested, spend_id)))

        def send(client: httpx.Client, i: int) -> httpx.Response:
            spend_id, drawdown_id = pairs[i // 2]
            if i % 2:
                return client.post(f"/spend/{spend_id}/cancel", json={"reason": "recorded twice"})
            return client.post(f"/drawdowns/{drawdown_id}/submit", json={})

        responses = fire(server, 8, send)
        for index in range(4):
            submitted, cancelled = responses[2 * index], responses[2 * index + 1]
            outcome = (submitted.status_code, cancelled.status_code)
            assert outcome in ((200, 409), (422, 200)), (submitted.text, cancelled.text)


class TestOppositeRepurposings:
    """Moves between two projects in both directions, and allocation changes, at once: none answers 500."""

    def test_no_deadlock_answers_500(self, server: Server) -> None:
        with server.client() as client:
            ids = []
            for name in ("Race: north", "Race: south"):
                created = client.post(
                    "/projects",
                    json={"name": name, "funding": "pooled", "category": "land_and_buildings", "estimate_low": "9.00"},
                )
                assert created.status_code == 201, created.text
                ids.append(int(created.json()["id"]))
            north, south = ids
            moves = []
            for index in range(16):
                contribution_id = new_contribution(server, "100.00", f"CONC/REPURPOSE/{index}")
                source, target = (north, south) if index % 2 else (south, north)
                for project_id in (source, target):
                    allocated = client.post(
                        f"/projects/{project_id}/allocations",
                        json={"contribution_id": contribution_id, "amount": "10.00"},
                    )
                    assert allocated.status_code == 201, allocated.text
                moves.append((contribution_id, source, target, allocated.json()))

        def send(client: httpx.Client, i: int) -> httpx.Response:
            contribution_id, source, target, project = moves[i // 2]
            if i % 2:
                allocation = next(row for row in project["allocations"] if row["contribution_id"] == contribution_id)
                return client.patch(f"/projects/{target}/allocations/{allocation['id']}", json={"amount": "20.00"})
            return client.post(
                f"/contributions/{contribution_id}/repurposings",
                json={
                    "from_project_id": source,
                    "to_project_id": target,
                    "consented_on": "2020-06-01",
                    "consent_reference": f"letter {i}",
                },
            )

        responses = fire(server, 32, send)
        assert 500 not in statuses(responses), [response.text for response in responses if response.status_code >= 500]
        for response in responses:
            assert response.status_code in (200, 201, 409), response.text


class TestCloseAgainstNewContribution:
    """Closing an agreement while a contribution is added to it: never both."""

    def test_never_both(self, server: Server) -> None:
        with server.client() as client:
            agreements = []
            for index in range(6):
                deed = client.post(
                    "/agreements",
                    json={
                        "local_authority_id": "blaby",
                        "reference": f"CONC/CLOSE/{index}",
                        "site": "Site",
                        "signed_on": SIGNED_ON,
                    },
                )
                assert deed.status_code == 201, deed.text
                agreements.append(int(deed.json()["id"]))

        def send(client: httpx.Client, i: int) -> httpx.Response:
            agreement_id = agreements[i // 2]
            if i % 2:
                return client.patch(f"/agreements/{agreement_id}", json={"status": "closed", "closed_on": "2021-01-01"})
            return client.post(
                f"/agreements/{agreement_id}/contributions",
                json={"purpose": "premises", "amount": "100.00", "trigger": {"type": "on_signing"}},
            )

        responses = fire(server, 12, send)
        for index in range(6):
            added, closed = responses[2 * index], responses[2 * index + 1]
            assert (added.status_code, closed.status_code) in ((201, 409), (409, 200)), (added.text, closed.text)
