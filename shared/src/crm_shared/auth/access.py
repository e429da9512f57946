"""Record-level access: whose records a caller reaches, and whether it may read personal data.

The rule, in one place (every aggregate with an owner uses it: customers; sales' leads,
opportunities, quotes, orders and activities; tickets when they come):

- a person with role ``sales`` reaches a record they own (``owner`` is their user id), a
  record owned by a member of a team they manage (the token's ``manages`` claim), and an
  unowned record: the shared pool, which any rep may work and claim by setting themselves
  as the owner (a lead nobody has taken yet must be findable by the reps, or nobody takes it);
- ``admin``, ``support`` (a caller may be anyone's customer), ``marketing`` (campaigns
  need the whole base) and ``analyst`` (read only, and masked) reach every record;
- a partner client reaches every record its scopes allow (its scopes, not ownership, are
  its boundary: a partner acts for the organisation, not for one rep);
- an unknown role reaches nothing.

What a caller may *do* to a record it reaches is still its permission's business
(:mod:`crm_shared.auth.permissions`). The same rule decides whom a caller may name as a
record's owner (mass assignment): someone whose records it would reach, so a rep may take a
record from the pool, give it back, or (a manager) hand it to a member of their team.

The scope is a plain value: the HTTP edge builds it from the token, the service passes it to
the repository, and the repository turns it into a WHERE clause
(:func:`crm_shared.views.team_members.owner_within`), so a list never loads what it
may not show and a single record outside reach is "not found".
"""

from dataclasses import dataclass

from crm_shared.auth.permissions import Permission, grants
from crm_shared.auth.tokens import Principal
from crm_shared.contracts.identity import Role

# Roles whose reach is their own records, their teams' and the pool; every other known role
# reaches every record.
OWNER_SCOPED_ROLES = frozenset({Role.SALES})


@dataclass(frozen=True)
class RecordScope:
    """Which owned records a caller reaches."""

    everything: bool = False
    user_id: str | None = None  # records this user owns
    managed_teams: frozenset[str] = frozenset()  # records owned by members of these teams
    pool: bool = False  # unowned records

    def reaches(self, owner: str | None, owner_team: str | None) -> bool:
        """Whether a record owned by ``owner`` (a member of ``owner_team``) is within reach;
        the pure twin of the SQL the repositories build."""
        if self.everything:
            return True
        if owner is None:
            return self.pool
        if self.user_id is not None and owner == self.user_id:
            return True
        return owner_team is not None and owner_team in self.managed_teams

    def may_assign(self, owner: str | None, owner_team: str | None) -> bool:
        """Whether the caller may make ``owner`` a record's owner (None: back to the pool):
        only someone whose records it would then still reach."""
        return self.reaches(owner, owner_team)


EVERYTHING = RecordScope(everything=True)
NOTHING = RecordScope()


def record_scope(principal: Principal) -> RecordScope:
    """The caller's reach, from its token alone (no call to the identity service)."""
    if principal.is_client:
        return EVERYTHING
    try:
        role = Role(principal.role or "")
    except ValueError:
        return NOTHING
    if role not in OWNER_SCOPED_ROLES:
        return EVERYTHING
    return RecordScope(user_id=principal.subject, managed_teams=principal.managed_teams, pool=True)


@dataclass(frozen=True)
class Access:
    """What the HTTP edge knows about a caller's reach: the records (passed to services) and
    whether personal data is shown unmasked (decided in the response mapping)."""

    scope: RecordScope
    personal_data: bool


def access_of(principal: Principal) -> Access:
    return Access(record_scope(principal), grants(principal, Permission.CUSTOMERS_PII))
