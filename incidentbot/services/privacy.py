"""Private incidents: who may see one, with Slack asked about membership only when nothing else answers.

The rule is :func:`incidentbot.domain.rules.may_see`; membership of the incident's channel is
Slack's truth (``ChatPort.is_member``), asked at most once per private incident and never for a
public one, an admin, the commander, or a command typed in the incident's own channel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from incidentbot.db import timeline
from incidentbot.domain.models import Incident
from incidentbot.domain.rules import may_see, private_refusal
from incidentbot.services.context import UseCase

__all__ = ["IncidentPrivacy"]


class IncidentPrivacy(UseCase):
    async def may_see(self, incident: Incident, *, actor_id: str, asked_in: str | None) -> bool:
        """Whether ``actor_id``, typing in ``asked_in``, may see the incident; asks Slack if need be."""
        admins = self._config.admins
        if may_see(incident, actor=actor_id, admins=admins, asked_in=asked_in):
            return True
        if incident.channel_id is None:
            return False
        member = await self._chat.is_member(incident.channel_id, actor_id)
        return may_see(incident, actor=actor_id, admins=admins, asked_in=asked_in, member=member)

    async def require(self, incident: Incident, *, actor_id: str, asked_in: str | None) -> None:
        """Refuse (and audit) a non-member naming a private incident; the refusal says only whom to ask."""
        if await self.may_see(incident, actor_id=actor_id, asked_in=asked_in):
            return
        refusal = private_refusal(incident)
        async with self._pool.connection() as conn:
            await timeline.record_denial(
                conn, at=self._clock.now(), actor_id=actor_id, incident=incident, refusal=refusal
            )
        raise refusal

    async def visible(self, incidents: Sequence[Incident], *, actor_id: str, asked_in: str | None) -> list[Incident]:
        """The incidents this person may see, in the order given."""
        shown = await asyncio.gather(*(self.may_see(i, actor_id=actor_id, asked_in=asked_in) for i in incidents))
        return [incident for incident, ok in zip(incidents, shown, strict=True) if ok]
