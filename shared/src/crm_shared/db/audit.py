"""The audit log's capture: who changed which record, when, and which fields (old → new).

A model opts in with class attributes (no base class: each service has its own ``Base``)::

    class Customer(Versioned, Base):
        __audit__ = "customer"                              # the record type
        __audit_ignore__ = ("name_folded", "email_normalized")  # derived copies: not recorded
        __audit_secret__ = ("password_hash",)               # recorded as changed, never its value

A row that belongs to another record (a customer's tag, contact or consent decision) names
that record and what it is of it::

    class CustomerTag(Base):
        __audit__ = "customer"
        __audit_record_id__ = "customer_id"  # the attribute holding the record's id
        __audit_part__ = "tag"               # actions: tag_added, tag_changed, tag_removed

A listener on every ORM flush (``after_flush``: primary keys are assigned, attribute history
is not reset yet) turns the opted-in rows of ``session.new``, ``dirty`` and ``deleted`` into
pending entries on the session's :class:`AuditTrail`; the unit of work writes them all in one
INSERT at commit, in the same transaction as the change, stamped with its actor, its clock
and its correlation id. Only the attributes a change touched are read (``committed_state``
holds exactly those), so a small change costs little whatever the width of the row.

Set-based Core statements (bulk imports, projections) bypass the ORM and so this listener:
their use case notes an entry itself (:meth:`AuditTrail.note`) where it changes records of
its own; projections of other services' events are copies and need none.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Literal, TypeAlias

from sqlalchemy import event, inspect
from sqlalchemy.orm import InstanceState, Mapper, Session, UOWTransaction
from sqlalchemy.orm.base import NO_VALUE

ActorKind: TypeAlias = Literal["person", "client", "system", "event"]
Changes: TypeAlias = dict[str, list[Any]]  # field -> [old, new]

SECRET = "[secret]"  # a secret's value: the entry says it changed, never what to
ERASED = "[erased]"  # a personal value after its person's erasure
# Recorded nowhere: every versioned row changes it, and the entry has its own time.
ALWAYS_IGNORED = frozenset({"updated_at"})
SESSION_KEY = "crm_audit_trail"


@dataclass(frozen=True)
class Actor:
    """Who a unit of work acts for: the token's subject (a user id, ``client:<id>``), or the
    service itself (``system:<service>``) for timers, consumers and housekeeping."""

    subject: str
    kind: ActorKind

    @classmethod
    def system(cls, service: str) -> "Actor":
        return cls(f"system:{service}", "system")

    @classmethod
    def event(cls, service: str) -> "Actor":
        """A consumer applying other services' events (the entry's request id is the
        correlation id the unit of work carries, where it has one)."""
        return cls(f"system:{service}", "event")


@dataclass(frozen=True)
class AuditSpec:
    record_type: str
    record_id: str  # the attribute that holds the record's id
    part: str | None
    columns: tuple[str, ...]  # the attributes recorded, in the table's order
    recorded: frozenset[str]  # the same, to look up
    ignored: frozenset[str]
    secrets: frozenset[str]


_specs: dict[type, AuditSpec | None] = {}


def audit_spec(model: type) -> AuditSpec | None:
    """What to record of ``model``'s rows (None: not audited), worked out once per class."""
    try:
        return _specs[model]
    except KeyError:
        pass
    record_type = getattr(model, "__audit__", None)
    spec = None
    if record_type is not None:
        mapper: Mapper[Any] = inspect(model)
        primary_key = mapper.get_property_by_column(mapper.primary_key[0]).key
        record_id = getattr(model, "__audit_record_id__", primary_key)
        ignored = ALWAYS_IGNORED | {record_id} | set(getattr(model, "__audit_ignore__", ()))
        columns = tuple(a.key for a in mapper.column_attrs if a.key not in ignored)
        spec = AuditSpec(
            record_type=record_type,
            record_id=record_id,
            part=getattr(model, "__audit_part__", None),
            columns=columns,
            recorded=frozenset(columns),
            ignored=frozenset(ignored),
            secrets=frozenset(getattr(model, "__audit_secret__", ())),
        )
    _specs[model] = spec
    return spec


@dataclass
class PendingEntry:
    record_type: str
    record_id: str
    action: str
    changes: Changes


@dataclass
class AuditTrail:
    """The entries a unit of work has captured and not yet written."""

    entries: list[PendingEntry] = field(default_factory=list)
    # (record type, record id) -> the action that replaces "changed" (erased, merged, ...)
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    # (record type, record id) -> the fields whose values stay after an erasure
    erased: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    def note(self, record_type: str, record_id: str, action: str, changes: Changes) -> None:
        """An entry for a change the ORM does not see (a set-based statement)."""
        self.entries.append(PendingEntry(record_type, record_id, action, changes))

    def label(self, record_type: str, record_id: str, action: str) -> None:
        """Name this unit's change of a record (``erased`` rather than ``changed``)."""
        self.labels[(record_type, record_id)] = action

    def forget(self, record_type: str, record_ids: Iterable[str], kept: frozenset[str]) -> None:
        """Write this unit's entries of these records with every value outside ``kept``
        replaced by :data:`ERASED` (the stored ones: :func:`crm_shared.privacy.redact_audit`)."""
        for record_id in record_ids:
            self.erased[(record_type, record_id)] = kept

    def take(self) -> list[PendingEntry]:
        """The pending entries, labelled and redacted, and an empty trail."""
        entries, self.entries = self.entries, []
        for entry in entries:
            key = (entry.record_type, entry.record_id)
            if entry.action == "changed" and key in self.labels:
                entry.action = self.labels[key]
            if key in self.erased:
                entry.changes = redacted(entry.changes, self.erased[key])
        self.labels, self.erased = {}, {}
        return entries


def redacted(changes: Mapping[str, list[Any]], kept: frozenset[str]) -> Changes:
    return {
        name: values if name in kept else [None if v is None else ERASED for v in values]
        for name, values in changes.items()
    }


def jsonable(value: Any) -> Any:
    """A column value as JSON can hold it (the entry's ``changes`` is a JSON column)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    return str(value)


def _shown(spec: AuditSpec, name: str, value: Any) -> Any:
    if value is None or value is NO_VALUE:
        return None
    return SECRET if name in spec.secrets else jsonable(value)


def _whole_row(spec: AuditSpec, values: Mapping[str, Any], new: bool) -> Changes:
    changes: Changes = {}
    for name in spec.columns:
        value = values.get(name)
        if value is not None and value != []:  # an empty tag list says nothing
            shown = _shown(spec, name, value)
            changes[name] = [None, shown] if new else [shown, None]
    return changes


def _changed_fields(spec: AuditSpec, state: InstanceState[Any]) -> Changes:
    changes: Changes = {}
    current = state.dict
    for name, old in state.committed_state.items():
        if name not in spec.recorded:
            continue  # relationships, ignored and derived columns
        new = current.get(name)
        if old is NO_VALUE or old != new:
            changes[name] = [_shown(spec, name, old), _shown(spec, name, new)]
    return changes


def creation_changes(model: type, values: Mapping[str, Any]) -> Changes:
    """What a flush would record of a new ``model`` row with ``values``, for a row written
    with a set-based INSERT (the CSV import's), which no flush sees."""
    spec = audit_spec(model)
    assert spec is not None, f"{model.__name__} is not audited"
    return _whole_row(spec, values, new=True)


def field_changes(model: type, before: Mapping[str, Any], after: Mapping[str, Any]) -> Changes:
    """``{field: [old, new]}`` of the fields in ``after`` (a set-based UPDATE's), but the
    ones ``model`` does not record."""
    spec = audit_spec(model)
    assert spec is not None, f"{model.__name__} is not audited"
    return {
        name: [_shown(spec, name, before.get(name)), _shown(spec, name, new)]
        for name, new in after.items()
        if name not in spec.ignored
    }


def _action(spec: AuditSpec, verb: str) -> str:
    if spec.part is None:
        return verb
    return {"created": f"{spec.part}_added", "deleted": f"{spec.part}_removed"}.get(
        verb, f"{spec.part}_changed"
    )


def _capture(trail: AuditTrail, instances: Iterable[Any], verb: str) -> None:
    for instance in instances:
        spec = audit_spec(type(instance))
        if spec is None:
            continue
        state: InstanceState[Any] = instance._sa_instance_state
        if verb == "changed":
            changes = _changed_fields(spec, state)
            if not changes:
                continue  # only ignored fields, or set to what they were
        else:
            changes = _whole_row(spec, state.dict, new=verb == "created")
        record_id = str(state.dict.get(spec.record_id))
        trail.entries.append(
            PendingEntry(spec.record_type, record_id, _action(spec, verb), changes)
        )


@event.listens_for(Session, "after_flush")
def _capture_flush(session: Session, flush_context: UOWTransaction) -> None:
    trail: AuditTrail | None = session.info.get(SESSION_KEY)
    if trail is None:
        return  # not a unit of work's session (a plain read session, a test's)
    _capture(trail, session.new, "created")
    _capture(trail, session.dirty, "changed")
    _capture(trail, session.deleted, "deleted")
