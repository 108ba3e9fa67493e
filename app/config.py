"""Settings read from the environment (and a .env file)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
"""Where the digests' links point when BASE_URL is not set (they are sent with no request to take it from)."""


class Settings(BaseSettings):
    """The service's settings; the database is chosen by DATABASE_URL."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./s106.db"
    database_pool_size: int = 10
    """Connections each server process keeps open to the database, once it has needed them."""
    database_max_overflow: int = 0
    """Connections each process may open beyond DATABASE_POOL_SIZE when busy, each closed again when returned (so
    under steady load a new connection, and on PostgreSQL a new backend, every few requests): workers x (pool size
    + overflow), plus every other client, must stay under PostgreSQL's max_connections (100 by default)."""
    max_body_bytes: int = 5_000_000
    default_page_size: int = 50
    max_page_size: int = 500
    secret_key: str | None = None
    """Signs the web forms' CSRF tokens; set it when more than one process serves (no default: a secret)."""
    session_idle_minutes: int = 30
    """A page session ends after this long without a request."""
    session_lifetime_hours: int = 12
    """A page session ends this long after signing in, however busy."""
    token_cache_seconds: int = 5
    """How long a token, once checked, is trusted without asking the database again: a token revoked by another
    process (another worker, `s106 token revoke`) still works for up to this long; 0 checks every request."""
    token_cache_size: int = 1000
    """How many checked tokens each server process remembers at most (the least recently used go first)."""
    documents_dir: str | None = None
    """Where uploaded documents are kept, by content hash; by default a `documents` folder beside the SQLite file."""
    documents_store: str | None = Field(default=None, pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")
    """`s3://bucket/prefix`: keep documents in an S3-compatible bucket instead of DOCUMENTS_DIR."""
    s3_endpoint_url: str | None = None
    """The S3-compatible service's address (MinIO, Ceph); unset means AWS S3 itself."""
    force_name: str = "Leicestershire Police"
    """The force that asks the authorities for their money, as drawdown letters name it."""
    max_document_bytes: int = 4_000_000
    """The largest document accepted (under max_body_bytes, which also bounds the upload's form)."""
    smtp_url: str | None = None
    """The mail server the alert digests go through, as smtp://[user:password@]host[:port] (smtps:// for TLS
    from the start; smtp+starttls:// to upgrade); unset (and SMTP_HOST unset), `s106 alerts send` sends nothing."""
    smtp_host: str | None = None
    """The mail server as a host name and SMTP_PORT, where SMTP_URL is not set."""
    smtp_port: int = 25
    smtp_from: str | None = None
    """The address digests are sent from."""
    public_panel_page: bool = False
    """Whether /public/panel shows the Panel's tables and the bids summary to anyone, without signing in."""
    base_url: str | None = None
    """Where the service is reached, for links: unset, the digests' go to DEFAULT_BASE_URL and the calendar's to
    the address the calendar was fetched on."""

    def links_base(self, requested: str | None = None) -> str:
        """Where links point: BASE_URL if set, else the address the request came to, else DEFAULT_BASE_URL."""
        return self.base_url or requested or DEFAULT_BASE_URL

    def documents_path(self) -> Path:
        """The documents folder: DOCUMENTS_DIR, or beside the SQLite database, or ./documents."""
        if self.documents_dir:
            return Path(self.documents_dir)
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///")).resolve().parent / "documents"
        return Path("documents").resolve()


@lru_cache
def get_settings() -> Settings:
    """The settings, read once."""
    return Settings()
