"""Optimistic concurrency as a use case sees it: the caller names the versions it read.

The HTTP edge turns ``If-Match`` into an :class:`ExpectedVersion` (``crm_customer.web``); the
service decides whether an operation needs one and whether the record still matches, and
raises a domain error if not. The version column then guards the write itself
(:class:`crm_customer.db.Versioned`).
"""

from dataclasses import dataclass

from crm_shared.errors import PreconditionFailedError, PreconditionRequiredError


@dataclass(frozen=True)
class ExpectedVersion:
    """The versions a caller accepts: any (``If-Match: *``) or those it lists."""

    versions: frozenset[int] = frozenset()
    any_version: bool = False

    def accepts(self, version: int) -> bool:
        return self.any_version or version in self.versions


def check_version(expected: ExpectedVersion | None, current: int, *, required: bool) -> None:
    """Refuse a change made without a version when one is ``required`` (428), or made
    against a version that is no longer the record's (412)."""
    if expected is None:
        if required:
            raise PreconditionRequiredError(
                "send If-Match with the ETag you read, so that no one else's update is lost",
                code="if-match-required",
            )
        return
    if not expected.accepts(current):
        raise PreconditionFailedError(
            f"the record has changed since you read it (now version {current}); "
            "read it again and re-apply your change",
            code="stale-version",
            current_etag=f'"{current}"',  # the ETag the record answers with now
        )
