"""What erasure keeps and what it scrubs.

The tombstone keeps what counts need and nothing that identifies a person: id, kind,
status, lifecycle stage, relationship phase, source, owner (a member of staff), the
created/erased times and the version. Everything else on the record is cleared; contacts,
consent decisions and audit reasons are scrubbed of their free text (see ``service``).
"""

from typing import Any

ERASED_NAME = "erased customer"
ERASED_CONTACT_NAME = "erased contact"

KEPT_FIELDS = frozenset(
    {
        "id", "version", "kind", "status", "lifecycle_stage", "relationship_phase", "source",
        "owner", "merged_into", "created_at", "updated_at", "erased_at", "erasure_reason",
        "erased_by", "name", "name_folded",
    }
)  # fmt: skip
# What the audit log keeps of an erased customer's entries (crm_shared.privacy.redact_audit):
# the tombstone's fields but its name (the person's, before), and the facts of consent
# decisions and tags' presence; every other old or new value becomes "[erased]".
AUDIT_KEPT_FIELDS = (KEPT_FIELDS - {"name", "name_folded"}) | {
    "channel", "granted", "decided_at", "recorded_at", "recorded_by", "is_primary",
}  # fmt: skip
LIST_FIELDS = frozenset({"lifestyle", "personality", "social_class", "benefits_sought"})


def scrubbed_values(columns: list[str]) -> dict[str, Any]:
    """``{column: value}`` that clears every personal column of a customer row."""
    values: dict[str, Any] = {
        column: [] if column in LIST_FIELDS else None
        for column in columns
        if column not in KEPT_FIELDS
    }
    values["name"] = ERASED_NAME
    values["name_folded"] = ERASED_NAME
    return values
