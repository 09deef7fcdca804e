"""Append-only audit log: who did what to which record, when, with before/after values."""

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, Index, String, insert
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import UTCDateTime
from core.timeutil import now_utc


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    target_type: Mapped[str] = mapped_column(String(64), nullable=False)
    target_id: Mapped[str] = mapped_column(String(64), nullable=False)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditLog {self.action} {self.target_type}#{self.target_id} by {self.actor_id}>"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def record(actor, action: str, target, before: dict | None = None,
           after: dict | None = None) -> AuditLog:
    """Write an audit row in the current transaction (the request or CLI commits it).

    `actor` is a User or None (system); `target` is a model instance with an `id`, or a
    (type, id) pair. The row is inserted now, with plain SQL, not added to the session to be
    flushed: a flush costs more Python than the statement, and an exam start paid one at
    commit for its audit row alone. Returns the row as written, not attached to the session.
    """
    if isinstance(target, tuple):
        target_type, target_id = target
    else:
        target_type, target_id = type(target).__name__, target.id
    values = {
        "at": now_utc(),
        "actor_id": getattr(actor, "id", None),
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id),
        "before": _plain(before) if before is not None else None,
        "after": _plain(after) if after is not None else None,
        "ip": request.remote_addr if has_request_context() else None,
    }
    db.session.execute(_INSERT, values)
    return AuditLog(**values)


_INSERT = insert(AuditLog.__table__)


def record_refusal(error) -> AuditLog | None:
    """Add the audit row a refused action carries (call after the rollback that undid the rest
    of the request, so the refusal is kept while nothing else is)."""
    entry = getattr(error, "audit", None)
    return record(**entry) if entry else None


def changes(obj, fields: list[str], new_values: dict) -> tuple[dict, dict]:
    """Apply `new_values` to `obj` and return (before, after) for the fields that changed."""
    before, after = {}, {}
    for name in fields:
        if name in new_values and getattr(obj, name) != new_values[name]:
            before[name] = getattr(obj, name)
            after[name] = new_values[name]
            setattr(obj, name, new_values[name])
    return before, after
