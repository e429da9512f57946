"""Optimistic concurrency: ``ETag`` carries a record's version, ``If-Match`` must name it."""

from crm_shared.api.problems import TYPE_BASE, Problem


def etag_for(version: int) -> str:
    return f'"{version}"'


def require_if_match(if_match: str | None, current_version: int) -> None:
    """Refuse an update without ``If-Match`` (428) or made against a stale version (412)."""
    if if_match is None:
        raise Problem(
            428,
            "send If-Match with the ETag you read, so that no one else's update is lost",
            type_=TYPE_BASE + "if-match-required",
        )
    candidates = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" in candidates or etag_for(current_version) in candidates:
        return
    raise Problem(
        412,
        f"the record has changed since you read it (now version {current_version}); "
        "read it again and re-apply your change",
        type_=TYPE_BASE + "stale-version",
        current_etag=etag_for(current_version),
    )
