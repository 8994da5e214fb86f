"""Schema migrations with yoyo: plain SQL files in ``migrations/``, applied under yoyo's lock.

The daemon refuses to run against a schema newer than it knows (a rollback after a newer version
migrated the database): guessing would risk the data, so it stops with a clear message instead.
yoyo is synchronous; call these functions from a thread in async code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yoyo.exceptions import LockTimeout

__all__ = [
    "LockTimeout",
    "SchemaStatus",
    "SchemaTooNewError",
    "apply_migrations",
    "migrations_dir",
    "schema_status",
]

logger = logging.getLogger(__name__)


class SchemaTooNewError(Exception):
    """The database has migrations this version of incidentbot does not know."""

    def __init__(self, unknown: list[str]) -> None:
        self.unknown = unknown
        super().__init__(
            "the database schema is newer than this version of incidentbot "
            f"(unknown migrations: {', '.join(unknown)}); run the newer version, or restore a backup "
            "taken before it migrated"
        )


@dataclass(frozen=True)
class SchemaStatus:
    applied: list[str]
    pending: list[str]
    unknown: list[str]


def migrations_dir() -> Path:
    """The packaged migrations (wheel install) or the repository's ``migrations/`` (editable install)."""
    packaged = Path(__file__).resolve().parent.parent / "_migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "migrations"


def _yoyo_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("postgresql", "postgres"):
        raise ValueError("expected a postgresql:// URL")
    return f"postgresql+psycopg://{rest}"


def _backend_and_migrations(url: str) -> tuple[Any, Any]:
    from yoyo import get_backend, read_migrations

    backend = get_backend(_yoyo_url(url), migration_table="_yoyo_migration")
    migrations = read_migrations(str(migrations_dir()))
    return backend, migrations


def _status(backend: Any, migrations: Any) -> SchemaStatus:
    known = {m.id for m in migrations}
    applied_ids = _applied_ids(backend)
    return SchemaStatus(
        applied=[m for m in applied_ids if m in known],
        pending=[m.id for m in backend.to_apply(migrations)],
        unknown=sorted(set(applied_ids) - known),
    )


def _applied_ids(backend: Any) -> list[str]:
    hashes = backend.get_applied_migration_hashes()
    if not hashes:
        return []
    rows = backend.execute(
        f"SELECT migration_id FROM {backend.migration_table_quoted}"  # noqa: S608 - yoyo's own table name
    ).fetchall()
    return [row[0] for row in rows]


def schema_status(url: str) -> SchemaStatus:
    backend, migrations = _backend_and_migrations(url)
    try:
        return _status(backend, migrations)
    finally:
        backend.connection.close()


def apply_migrations(url: str, *, lock_timeout: float = 60.0) -> list[str]:
    """Apply pending migrations under yoyo's lock; return their ids. Raise SchemaTooNewError first if needed."""
    backend, migrations = _backend_and_migrations(url)
    try:
        with backend.lock(timeout=int(lock_timeout)):
            status = _status(backend, migrations)
            if status.unknown:
                raise SchemaTooNewError(status.unknown)
            to_apply = backend.to_apply(migrations)
            if to_apply:
                logger.info("applying %d migration(s): %s", len(to_apply), ", ".join(m.id for m in to_apply))
                backend.apply_migrations(to_apply)
            return [m.id for m in to_apply]
    finally:
        backend.connection.close()
