"""Who manages a ticket owner: their team's manager, from the two identity views kept in
the support database (``team_members``, ``team_managers``). Escalation goes there."""

from crm_shared.views.team_managers import manager_of as team_manager_of
from sqlalchemy.ext.asyncio import AsyncSession

from crm_support.db import team_managers, team_members


async def manager_of(session: AsyncSession, owner: str) -> str | None:
    """The manager of ``owner``'s team; None when the owner has no team, the team has no
    manager, or identity's events about them have not arrived yet."""
    return await team_manager_of(session, owner, team_members, team_managers)
