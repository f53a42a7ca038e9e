"""Runtime configuration, read from the environment with explicit overrides."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SQLITE_PATH = Path("vmre.sqlite")


def database_url(explicit: str | None = None) -> str:
    """The storage URL: an explicit one, else VMRE_DATABASE_URL, else a local SQLite file."""
    if explicit:
        return normalise_url(explicit)
    env = os.environ.get("VMRE_DATABASE_URL")
    if env:
        return normalise_url(env)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def public_url() -> str:
    """The public address every link in every mail starts with (VMRE_PUBLIC_URL). Links are
    never built from a request: its Host header is the sender's to choose."""
    return os.environ.get("VMRE_PUBLIC_URL", DEFAULT_PUBLIC_URL).rstrip("/")


def normalise_url(url: str) -> str:
    """Accept the usual PostgreSQL spellings and route them to psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "no-responder@vmre.example"
    username: str | None = None
    password: str | None = None
    starttls: bool = False

    @classmethod
    def from_env(cls) -> SmtpSettings:
        return cls(
            host=os.environ.get("VMRE_SMTP_HOST", cls.host),
            port=int(os.environ.get("VMRE_SMTP_PORT", cls.port)),
            sender=os.environ.get("VMRE_SMTP_SENDER", cls.sender),
            username=os.environ.get("VMRE_SMTP_USER") or None,
            password=os.environ.get("VMRE_SMTP_PASSWORD") or None,
            starttls=os.environ.get("VMRE_SMTP_STARTTLS", "") == "1",
        )
