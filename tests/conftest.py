"""Shared fixtures: a real PostgreSQL (embedded, or the server in DATABASE_URL) and clean proxies.

Each test that needs a database gets a fresh, empty one, created on the session's server, so
tests never see each other's rows and a run against a shared server leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from incidentbot.db.embedded import start_embedded

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


@pytest.fixture(scope="session", autouse=True)
def _no_proxies() -> None:
    """slack_sdk honours HTTP(S)_PROXY but not NO_PROXY: local servers must be reached directly."""
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture(scope="session")
def database_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An admin URL: DATABASE_URL when set (CI's second pass), else an embedded server for this session."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        yield configured
        return
    embedded = start_embedded(tmp_path_factory.mktemp("pg"), database="postgres")
    try:
        yield embedded.url
    finally:
        embedded.stop()


@pytest.fixture
def database_url(database_server: str) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    name = f"incidentbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database_server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _with_database(database_server, name)
    finally:
        with psycopg.connect(database_server, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def short_tmp(tmp_path: Path) -> Iterator[Path]:
    """A short directory path: Unix socket paths (embedded PostgreSQL) must stay under ~100 bytes."""
    path = Path("/tmp") / f"ib-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
