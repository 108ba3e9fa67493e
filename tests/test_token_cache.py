"""The token check is remembered for TOKEN_CACHE_SECONDS: a revocation elsewhere holds within it, here at once."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.auth import token_cache
from app.auth.accounts import disable_account
from app.auth.service import Principal, create_token, hash_token, revoke_token
from app.config import get_settings
from app.models import Account, ApiToken, Role
from tests.accounts import make_accounts


class Clock:
    """The cache's clock, moved on by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """An empty cache on a clock the test moves."""
    fake = Clock()
    token_cache.tokens.clear()
    monkeypatch.setattr(token_cache, "clock", fake)
    yield fake
    token_cache.tokens.clear()


def new_token(
    session: Session, name: str, role: Role = Role.officer, account: Account | None = None
) -> tuple[int, str]:
    """A committed token's id and secret."""
    row, secret = create_token(session=session, name=name, role=role, account=account)
    session.commit()
    return row.id, secret


def revoke_elsewhere(session: Session, token_id: int) -> None:
    """Revoke as another process would: straight in the database, unseen by this process's sessions."""
    session.connection().execute(
        text("UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP WHERE id = :id"), {"id": token_id}
    )


def status(api: Any, secret: str, path: str = "/local-authorities") -> int:
    """The status of a read with the token."""
    return int(api.client.get(path, headers={"Authorization": f"Bearer {secret}"}).status_code)


READS = ("/local-authorities", "/local-authorities/blaby")
"""A read through the request's session, and a read of one statement that takes no session."""


class TestRevocationDelay:
    @pytest.mark.parametrize("path", READS)
    def test_a_token_revoked_by_another_process_is_refused_once_the_delay_is_over(
        self, api: Any, session: Session, clock: Clock, path: str
    ) -> None:
        token_id, secret = new_token(session, "nightly job")
        assert status(api, secret, path) == 200
        revoke_elsewhere(session, token_id)
        delay = get_settings().token_cache_seconds
        assert delay > 0
        clock.advance(delay - 0.5)
        assert status(api, secret, path) == 200  # the documented delay: this process has not heard yet
        clock.advance(0.5)
        assert status(api, secret, path) == 401

    @pytest.mark.parametrize("path", READS)
    def test_with_no_delay_every_request_asks_the_database(
        self, api: Any, session: Session, clock: Clock, monkeypatch: pytest.MonkeyPatch, path: str
    ) -> None:
        monkeypatch.setattr(get_settings(), "token_cache_seconds", 0)
        token_id, secret = new_token(session, "nightly job")
        assert status(api, secret, path) == 200
        revoke_elsewhere(session, token_id)
        assert status(api, secret, path) == 401

    def test_an_unknown_token_is_never_remembered(self, api: Any, session: Session, clock: Clock) -> None:
        token_id, secret = new_token(session, "not yet")
        session.execute(text("UPDATE api_tokens SET token_hash = 'elsewhere' WHERE id = :id"), {"id": token_id})
        assert status(api, secret) == 401
        session.execute(
            text("UPDATE api_tokens SET token_hash = :hash WHERE id = :id"),
            {"id": token_id, "hash": hash_token(secret)},
        )
        assert status(api, secret) == 200
        assert len(token_cache.tokens) == 1


def officer_with_token(session: Session) -> tuple[Account, str]:
    """The demo officer's account and a new token of theirs."""
    account = session.get(Account, make_accounts(session)["officer"])
    assert account is not None
    _token_id, secret = new_token(session, "officer's job", account=account)
    return account, secret


class TestRevocationHere:
    @pytest.mark.parametrize("path", READS)
    def test_a_token_revoked_through_this_process_is_refused_at_once(
        self, api: Any, session: Session, clock: Clock, path: str
    ) -> None:
        token_id, secret = new_token(session, "nightly job")
        assert status(api, secret, path) == 200
        revoke_token(session=session, token_id=token_id)
        session.commit()
        assert status(api, secret, path) == 401

    def test_a_disabled_account_s_token_is_refused_at_once(self, api: Any, session: Session, clock: Clock) -> None:
        account, secret = officer_with_token(session)
        assert status(api, secret) == 200
        disable_account(session=session, account=account)
        session.commit()
        assert status(api, secret) == 401

    def test_an_account_s_new_role_holds_at_once(self, api: Any, session: Session, clock: Clock) -> None:
        account, secret = officer_with_token(session)
        assert status(api, secret) == 200
        account.role = Role.panel
        session.commit()
        assert status(api, secret) == 403  # the Panel reads only the aggregate views

    def test_a_lookup_that_began_before_a_revocation_is_not_remembered(self, clock: Clock) -> None:
        principal = Principal(name="nightly job", role=Role.officer, token_id=1)
        began = token_cache.tokens.generation
        token_cache.tokens.clear()  # a revocation committed while the lookup was under way
        token_cache.tokens.remember("a hash", principal, began)
        assert token_cache.tokens.recall("a hash") is None
        token_cache.tokens.remember("a hash", principal, token_cache.tokens.generation)
        assert token_cache.tokens.recall("a hash") == principal


class TestBounds:
    def test_at_most_token_cache_size_tokens_are_kept(
        self, api: Any, session: Session, clock: Clock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "token_cache_size", 2)
        secrets = [new_token(session, f"job {number}")[1] for number in range(3)]
        for secret in secrets:
            assert status(api, secret) == 200
        assert len(token_cache.tokens) == 2
        assert token_cache.tokens.recall(hash_token(secrets[0])) is None  # the least recently used went first
        assert token_cache.tokens.recall(hash_token(secrets[2])) is not None

    def test_the_cache_holds_no_secret(self, api: Any, session: Session, clock: Clock) -> None:
        _token_id, secret = new_token(session, "nightly job")
        assert status(api, secret) == 200
        row = session.scalar(select(ApiToken).where(ApiToken.name == "nightly job"))
        assert row is not None
        assert token_cache.tokens.recall(row.token_hash) is not None
        assert secret not in repr(token_cache.tokens._entries)
