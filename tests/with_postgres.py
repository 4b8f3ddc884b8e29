"""Run a command against a throw-away PostgreSQL database, created first and dropped after.

Usage: python tests/with_postgres.py pytest -q
The command sees GATEWAY_TEST_DATABASE_URL (postgresql+psycopg://…) and runs only the
tests that touch the database (GATEWAY_TEST_DB_ONLY=1); pure parser tests ran on SQLite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psycopg

SERVER = os.environ.get("GATEWAY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def main(argv: list[str]) -> int:
    name = f"gateway_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    env = dict(os.environ, GATEWAY_TEST_DATABASE_URL=url, GATEWAY_TEST_DB_ONLY="1")
    try:
        print(f"PostgreSQL test database {name}", flush=True)
        return subprocess.call(argv, env=env)
    finally:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
