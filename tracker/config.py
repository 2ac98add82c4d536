"""Settings from the environment, with embedded defaults that need no server."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _cache(instance_path: Path, broker_url: str) -> dict:
    """Flask-Caching for the overview's figures: Redis when there is one (`CACHE_REDIS_URL`, else
    a redis:// broker URL), else files under instance/cache, shared by the web workers."""
    redis_url = os.environ.get("CACHE_REDIS_URL") or (
        broker_url if broker_url.startswith(("redis://", "rediss://")) else ""
    )
    if redis_url:
        return {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": redis_url,
            # Never empty: clear() on a prefix-less RedisCache would flush the broker's database.
            "CACHE_KEY_PREFIX": "tracker-cache:",
            # A slow or dead Redis costs a request at most this, then the figures are computed.
            "CACHE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    return {
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DIR": str(instance_path / "cache"),
        "CACHE_THRESHOLD": 2000,
    }


def load(instance_path: Path) -> dict:
    """Build the Flask config mapping; every value can be overridden by an environment variable."""
    database_url = os.environ.get("DATABASE_URL", f"sqlite:///{instance_path / 'tracker.db'}")
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    broker_url = os.environ.get(
        "CELERY_BROKER_URL", f"sqla+sqlite:///{instance_path / 'broker.db'}"
    )
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,  # the session bounds the token's life
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # A registry CSV; its base64 copy in the apply form must stay under MAX_CONTENT_LENGTH.
        "REGISTRY_IMPORT_MAX_BYTES": 1024 * 1024,
        # Failed sign-ins allowed per account and per address within the window (then HTTP 429).
        "LOGIN_MAX_PER_ACCOUNT": int(os.environ.get("LOGIN_MAX_PER_ACCOUNT", 5)),
        "LOGIN_MAX_PER_ADDRESS": int(os.environ.get("LOGIN_MAX_PER_ADDRESS", 20)),
        "LOGIN_WINDOW_MINUTES": int(os.environ.get("LOGIN_WINDOW_MINUTES", 15)),
        # Closed bottlenecks are deleted this many days after their last change; 0 keeps them.
        "RETENTION_DAYS_CLOSED": int(os.environ.get("RETENTION_DAYS_CLOSED", 730)),
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "LANGUAGES": ("nl", "en"),
        "TIMEZONE": "Europe/Amsterdam",
        "PER_PAGE": 25,
        # The overview's figures may be this many seconds old (the pages say so); 0: always fresh.
        "INSIGHTS_CACHE_SECONDS": int(os.environ.get("INSIGHTS_CACHE_SECONDS", 300)),
        **_cache(instance_path, broker_url),
        # Requests per API token per fixed window (429 with Retry-After beyond it).
        "API_RATE_LIMIT": int(os.environ.get("API_RATE_LIMIT", 300)),
        "API_RATE_WINDOW_SECONDS": int(os.environ.get("API_RATE_WINDOW_SECONDS", 60)),
        "INVITE_TOKEN_HOURS": int(os.environ.get("INVITE_TOKEN_HOURS", 72)),
        "RESET_TOKEN_HOURS": int(os.environ.get("RESET_TOKEN_HOURS", 2)),
        "ACKNOWLEDGE_WORKING_DAYS": 5,
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://localhost:5000"),
        # E-mail: real SMTP when MAIL_SERVER is set, else caught as .eml files in instance/mail.
        "MAIL_TRANSPORT": "smtp" if os.environ.get("MAIL_SERVER") else "file",
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 25)),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", 10)),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "DSV-tracker <noreply@dsv-tracker.example>"),
        "MAIL_CATCH_DIR": str(instance_path / "mail"),
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", 8)),
        "MAIL_BATCH_SIZE": int(os.environ.get("MAIL_BATCH_SIZE", 200)),
        "CELERY": {
            "broker_url": broker_url,
            "result_backend": os.environ.get("CELERY_RESULT_BACKEND") or None,
            "task_ignore_result": True,
            "timezone": "Europe/Amsterdam",
            "broker_connection_retry_on_startup": True,
        },
    }
