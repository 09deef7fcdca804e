"""Certificates issued for passed exams."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import TimestampMixin, UTCDateTime

STATUSES = {
    "valid": _l("Valid"),
    "revoked": _l("Revoked"),
    "superseded": _l("Superseded"),
    "expired": _l("Expired"),
}


class Certificate(TimestampMixin, db.Model):
    """One certificate per passed exam result (attempt_id is unique: a race yields one)."""

    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("status IN ('valid','revoked','superseded','expired')",
                        name="status_known"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), nullable=False, index=True)
    occupation_id: Mapped[int] = mapped_column(ForeignKey("occupations.id"), nullable=False,
                                               index=True)
    exam_id: Mapped[int | None] = mapped_column(Integer, index=True)
    attempt_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    certificate_type: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="valid", index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    training_hours: Mapped[int] = mapped_column(Integer, nullable=False)
    holder_name: Mapped[str] = mapped_column(String(100), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))

    trainee = relationship("User")
    course = relationship("Course")
    occupation = relationship("Occupation")

    def __repr__(self) -> str:
        return f"<Certificate {self.serial} {self.status} trainee={self.trainee_id}>"
