"""Optimistic concurrency as a use case sees it: the caller names the versions it read.

The platform's rule: every write to an existing record (an update, a delete, a state
transition, a merge, an erasure) is made against a version the caller read; creates need
none. The HTTP edge turns ``If-Match`` into an :class:`ExpectedVersion`
(``crm_shared.api.concurrency``: a missing header is 428, a malformed one 400), and a use
case that changes a record takes one and calls :func:`check_version` on the record it
loaded (412 when stale). The version column then guards the write itself, against a writer
that got in between the check and the commit.

No HTTP here: services import this, and the edge maps the domain error to its problem.
"""

from dataclasses import dataclass

from crm_shared.errors import PreconditionFailedError


@dataclass(frozen=True)
class ExpectedVersion:
    """The versions a caller accepts: any (``If-Match: *``) or those it lists."""

    versions: frozenset[int] = frozenset()
    any_version: bool = False

    def accepts(self, version: int) -> bool:
        return self.any_version or version in self.versions


# For callers inside the platform that change a record whatever its version (a job, a test).
ANY_VERSION = ExpectedVersion(any_version=True)


def etag_of(version: int) -> str:
    """The entity tag a record of this version answers with (``ETag: "<version>"``)."""
    return f'"{version}"'


def check_version(expected: ExpectedVersion, current: int) -> None:
    """Refuse a change made against a version that is no longer the record's (412)."""
    if not expected.accepts(current):
        raise PreconditionFailedError(
            f"the record has changed since you read it (now version {current}); "
            "read it again and re-apply your change",
            code="stale-version",
            current_etag=etag_of(current),  # the ETag the record answers with now
        )
