"""Passwords: argon2id hashes (argon2-cffi's defaults), and what a new password must be."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.errors import RuleError

MINIMUM_LENGTH = 12
MAXIMUM_LENGTH = 200

hasher = PasswordHasher()

# Verifying against this when no account matches takes as long as a real check, so the time a
# refusal takes does not tell whether the email address has an account. Written out, because hashing
# it on import cost every command and worker half a second of start-up.
_STAND_IN_HASH = "$argon2id$v=19$m=65536,t=3,p=4$VW6kliSJ/u/Pc2saEXjDcw$Ix2Y95tQGbNGiBTQSLAHGKBtovsYseOGCv7RvZp5JYU"


@cache
def _stand_in_hash() -> str:
    """The stand-in hash, made again should today's parameters be stronger than the written-out one's."""
    return hasher.hash("a password nobody has") if hasher.check_needs_rehash(_STAND_IN_HASH) else _STAND_IN_HASH


def check_new_password(password: str, *, field: str = "password") -> None:
    """Refuse a password too short or too long to be one (NCSC: length over complexity rules)."""
    if len(password) < MINIMUM_LENGTH:
        raise RuleError(f"a password needs at least {MINIMUM_LENGTH} characters", field=field)
    if len(password) > MAXIMUM_LENGTH:
        raise RuleError(f"a password can have at most {MAXIMUM_LENGTH} characters", field=field)


def hash_password(password: str) -> str:
    """The argon2id hash to store."""
    return hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches the hash; with no hash, spend the same time and say no."""
    try:
        return hasher.verify(password_hash or _stand_in_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return hasher.check_needs_rehash(password_hash)
