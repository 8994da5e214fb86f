"""What follows a commit: a failure there is reported as such, never as "nothing was changed"."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from incidentbot.domain.errors import AfterCommitError, UserFacingError
from incidentbot.domain.models import Incident

__all__ = ["after_commit"]


@contextlib.asynccontextmanager
async def after_commit(incident: Incident) -> AsyncIterator[None]:
    """Wrap the work after a change committed: an unexpected failure becomes AfterCommitError.

    A user-facing error (a refusal found after the commit) passes through as it is."""
    try:
        yield
    except UserFacingError:
        raise
    except Exception as exc:
        raise AfterCommitError(incident.reference) from exc
