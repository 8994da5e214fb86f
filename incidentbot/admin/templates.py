"""``incidentbot templates``: list, add and remove the presets offered in the declare modal."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg

from incidentbot.db.embedded import start_embedded
from incidentbot.db.migrate import apply_migrations
from incidentbot.db.templates import add_template, list_templates_sync, remove_template
from incidentbot.domain.errors import InvalidInputError
from incidentbot.domain.models import Template
from incidentbot.domain.rules import parse_severity, validate_title
from incidentbot.domain.text import normalize, one_line
from incidentbot.settings import Settings

__all__ = ["add", "list_all", "remove"]


@contextlib.contextmanager
def _connection(settings: Settings) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    embedded = None
    if settings.database_url is not None:
        url = settings.database_url.reveal()
    else:
        embedded = start_embedded(settings.data_dir)
        url = embedded.url
    try:
        apply_migrations(url)
        with psycopg.connect(url, autocommit=True) as conn:
            yield conn
    finally:
        if embedded is not None:
            embedded.stop()


def list_all(settings: Settings) -> int:
    with _connection(settings) as conn:
        templates = list_templates_sync(conn)
    if not templates:
        print("No templates. Add one with `incidentbot templates add NAME --title TITLE --severity P2`.")
        return 0
    width = max(len(t.name) for t in templates)
    for t in templates:
        service = f" [{t.service}]" if t.service else ""
        print(f"{t.name:<{width}}  {t.severity.value}  {t.title}{service}")
    return 0


def add(settings: Settings, *, name: str, title: str, severity: str, service: str | None, description: str) -> int:
    try:
        clean_name = one_line(name)
        if not clean_name or len(clean_name) > 75:
            raise InvalidInputError("A template name needs 1 to 75 characters.")
        if service and settings.services and service not in settings.services:
            raise InvalidInputError(f"{service!r} is not in SERVICES ({', '.join(settings.services)}).")
        template = Template(
            name=clean_name,
            title=validate_title(title),
            severity=parse_severity(severity),
            service=service or None,
            description=normalize(description),
        )
    except InvalidInputError as exc:
        print(f"incidentbot: {exc.user_text.replace('`', '')}")
        return 2
    with _connection(settings) as conn:
        add_template(conn, template)
    print(f"Saved template {template.name!r}.")
    return 0


def remove(settings: Settings, *, name: str) -> int:
    with _connection(settings) as conn:
        removed = remove_template(conn, name=name)
    if not removed:
        print(f"incidentbot: no template named {name!r}; `incidentbot templates list` shows them.")
        return 1
    print(f"Removed template {name!r}.")
    return 0
