"""Create or drop scratch PostgreSQL databases for the test suite and the migration check."""

from __future__ import annotations

import os
import sys

import psycopg

ADMIN_DSN = os.environ.get("PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def recreate(name: str) -> None:
    """Drop `name` if it exists and create it empty."""
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def exists(name: str) -> bool:
    """Whether database `name` exists."""
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        )


def drop(name: str) -> None:
    """Drop `name` if it exists."""
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    command, name = sys.argv[1:3]
    if command != "recreate":
        raise SystemExit(f"unknown command {command}")
    recreate(name)
