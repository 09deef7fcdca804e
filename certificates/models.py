"""Certificates issued for passed exams, their rendered PDF files and serial counters."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import TimestampMixin, UTCDateTime

STATUSES = {
    "valid": _l("Valid"),
    "revoked": _l("Revoked"),
    "superseded": _l("Superseded"),
    "expired": _l("Expired"),
    "altered": _l("Altered"),
}
# Public revocation reasons: a category only; the officer's own words stay internal.
REVOCATION_CATEGORIES = {
    "fraud": _l("Fraud or cheating"),
    "error": _l("Issued in error"),
    "holder_request": _l("At the holder's request"),
    "other": _l("Other reason"),
}
# One list credential holds this many entries (the W3C minimum, for herd privacy).
STATUS_LIST_SIZE = 131_072


class Certificate(TimestampMixin, db.Model):
    """One certificate per passed exam result (attempt_id is unique: a race yields one).

    A reissue (corrected name) takes over attempt_id; the old row keeps `superseded_by_id`.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("status IN ('valid','revoked','superseded','expired')",
                        name="status_known"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        CheckConstraint("status != 'superseded' OR superseded_by_id IS NOT NULL",
                        name="superseded_linked"),
        CheckConstraint("revocation_category IS NULL OR revocation_category IN "
                        "('fraud','error','holder_request','other')",
                        name="revocation_category_known"),
        # One live certificate per person, occupation, level and type: a second pass links
        # to it instead of minting another (revoked and superseded ones do not count).
        Index("uq_certificates_live_per_person", "trainee_id", "occupation_id", "level",
              "certificate_type", unique=True,
              sqlite_where=text("status = 'valid'"), postgresql_where=text("status = 'valid'")),
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
    # What was signed: canonical JSON (sorted keys, no whitespace, UTF-8), its Ed25519
    # signature (base64url, no padding) and the id of the key that made it.
    payload: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    signature: Mapped[str] = mapped_column(String(128), nullable=False, server_default="")
    key_id: Mapped[str] = mapped_column(String(64), nullable=False, server_default="")
    holder_id_masked: Mapped[str] = mapped_column(String(18), nullable=False, server_default="")
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, server_default="")
    provider_name: Mapped[str | None] = mapped_column(String(200))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), unique=True)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revocation_category: Mapped[str | None] = mapped_column(String(20))
    # Position in the W3C Bitstring Status List (global; list = index // STATUS_LIST_SIZE),
    # taken from StatusCounter at issuance and never reused.
    status_index: Mapped[int | None] = mapped_column(Integer, unique=True)
    # The Open Badges 3.0 credential issued once with the certificate (compact VC-JWTs).
    credential_jwt: Mapped[str | None] = mapped_column(Text)
    credential_jwt_eddsa: Mapped[str | None] = mapped_column(Text)

    trainee = relationship("User", foreign_keys=[trainee_id])
    course = relationship("Course")
    occupation = relationship("Occupation")
    files: Mapped[list["CertificateFile"]] = relationship(
        back_populates="certificate", order_by="CertificateFile.id",
        cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Certificate {self.serial} {self.status} trainee={self.trainee_id}>"

    @property
    def status_title(self) -> str:
        return str(STATUSES.get(self.status, self.status))


class CertificateFile(TimestampMixin, db.Model):
    """A rendered PDF: the exact bytes handed out and their SHA-256 (upload checks use it)."""

    __tablename__ = "certificate_files"
    __table_args__ = (
        CheckConstraint("watermark IN ('none','revoked')", name="watermark_known"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), nullable=False, index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    watermark: Mapped[str] = mapped_column(String(16), nullable=False, default="none")
    key_id: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    certificate: Mapped[Certificate] = relationship(back_populates="files")

    def __repr__(self) -> str:
        return f"<CertificateFile #{self.id} cert={self.certificate_id} {self.sha256[:12]}>"


class SerialCounter(db.Model):
    """Last sequence number used per year, region and level (serials are never reused)."""

    __tablename__ = "certificate_serial_counters"
    __table_args__ = (
        CheckConstraint("last_value BETWEEN 0 AND 999999", name="sequence_range"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
    )

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    def __repr__(self) -> str:
        return f"<SerialCounter {self.year}/{self.region_code}/L{self.level} {self.last_value}>"


class StatusCounter(db.Model):
    """The last status-list index handed out (one row per purpose; indexes are never reused)."""

    __tablename__ = "certificate_status_counters"
    __table_args__ = (CheckConstraint("last_value >= 0", name="index_positive"),)

    purpose: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    def __repr__(self) -> str:
        return f"<StatusCounter {self.purpose} {self.last_value}>"


class CertificateHolder(db.Model):
    """A random public identifier per trainee (credentialSubject.id): nothing derived from
    the ID number, so no published value can be checked against guessed ID numbers."""

    __tablename__ = "certificate_holders"

    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)

    def __repr__(self) -> str:
        return f"<CertificateHolder trainee={self.trainee_id} {self.subject_id}>"


class IssuanceOutbox(TimestampMixin, db.Model):
    """A passed exam result waiting for its certificate, written in the result's transaction:
    the result commits even when issuing fails, and the row is retried until issued."""

    __tablename__ = "certificate_issuance_outbox"
    __table_args__ = (
        CheckConstraint("state IN ('pending','issued')", name="state_known"),
        CheckConstraint("state != 'issued' OR certificate_id IS NOT NULL", name="issued_linked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), nullable=False)
    exam_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="pending",
                                       index=True)
    tries: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_tried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))

    trainee = relationship("User", foreign_keys=[trainee_id])
    course = relationship("Course")
    certificate = relationship("Certificate")

    def __repr__(self) -> str:
        return f"<IssuanceOutbox attempt={self.attempt_id} {self.state} tries={self.tries}>"
