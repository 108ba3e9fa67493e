"""The token check, remembered for a few seconds, so a read costs no token lookup.

A principal found for a token is kept for TOKEN_CACHE_SECONDS (at most TOKEN_CACHE_SIZE tokens, the least
recently used dropped first); an unknown or revoked token is never kept. Any change to a token or an account
written through this process's sessions (a revocation, an account disabled, its role or authority changed)
empties the cache when it is flushed and again when it commits, so in this process it takes effect at once. A
change made by another process (another worker, `s106 token revoke`) takes effect here within
TOKEN_CACHE_SECONDS, the revocation delay; 0 turns the cache off.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from app.config import get_settings
from app.models import Account, ApiToken

if TYPE_CHECKING:
    from app.auth.service import Principal

clock: Callable[[], float] = time.monotonic
"""The cache's clock, in seconds (tests move it on instead of sleeping)."""

AUTH_TABLES = frozenset({ApiToken.__tablename__, Account.__tablename__})
"""The tables whose changes can change who a token names, or whether it names anyone."""

CHANGED = "token_cache_changed"
"""The session's mark that it wrote to AUTH_TABLES, so its commit empties the cache again."""


class TokenCache:
    """Principals by token hash, each for a bounded time, and a bounded number of them."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0

    @property
    def generation(self) -> int:
        """Moves on at every clear: a lookup begun before a clear must not be remembered after it."""
        return self._generation

    def recall(self, token_hash: str) -> "Principal | None":
        """The principal remembered for a token, if it was found less than TOKEN_CACHE_SECONDS ago."""
        with self._lock:
            entry = self._entries.get(token_hash)
            if entry is None:
                return None
            expires, principal = entry
            if clock() >= expires:
                del self._entries[token_hash]
                return None
            self._entries.move_to_end(token_hash)
            return principal

    def remember(self, token_hash: str, principal: "Principal", generation: int) -> None:
        """Keep a principal just found, unless the cache was cleared since the lookup began."""
        settings = get_settings()
        if settings.token_cache_seconds <= 0 or settings.token_cache_size <= 0:
            return
        with self._lock:
            if generation != self._generation:
                return
            self._entries[token_hash] = (clock() + settings.token_cache_seconds, principal)
            self._entries.move_to_end(token_hash)
            while len(self._entries) > settings.token_cache_size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every token, and refuse to remember lookups already under way."""
        with self._lock:
            self._entries.clear()
            self._generation += 1

    def __len__(self) -> int:
        return len(self._entries)


tokens = TokenCache()
"""This process's cache."""


def _changes_auth(instances: Any) -> bool:
    return any(isinstance(instance, ApiToken | Account) for instance in instances)


@event.listens_for(Session, "after_flush")
def _forget_on_flush(session: Session, _context: Any) -> None:
    if _changes_auth(session.dirty) or _changes_auth(session.deleted):
        session.info[CHANGED] = True
        tokens.clear()


@event.listens_for(Session, "do_orm_execute")
def _forget_on_bulk_change(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in AUTH_TABLES:
        state.session.info[CHANGED] = True
        tokens.clear()


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    # A request that looked the token up between the flush and the commit saw the old row; clearing again
    # here (which also stops a lookup under way from being remembered) makes the change final at once.
    if session.info.pop(CHANGED, False):
        tokens.clear()
