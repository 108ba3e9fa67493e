"""Settings read from the environment (and a .env file)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """The service's settings; the database is chosen by DATABASE_URL."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./s106.db"
    max_body_bytes: int = 5_000_000
    default_page_size: int = 50
    max_page_size: int = 500
    secret_key: str | None = None
    """Signs the web forms' CSRF tokens; set it when more than one process serves (no default: a secret)."""


@lru_cache
def get_settings() -> Settings:
    """The settings, read once."""
    return Settings()
