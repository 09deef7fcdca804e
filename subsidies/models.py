"""Subsidy policies, claims, payment batches, key-group evidence."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import TimestampMixin, UTCDateTime

# Internal states; the API shows pending|approved|rejected|paid (see API_STATUS).
STATES = ("pending", "approved", "rejected", "ineligible", "in_batch", "paid")
API_STATUS = {"pending": "pending", "approved": "approved", "in_batch": "approved",
              "rejected": "rejected", "ineligible": "rejected", "paid": "paid"}
# A claim in one of these states holds the person's subsidy for that occupation and level.
LIVE_STATES = ("pending", "approved", "in_batch", "paid")
STATE_TITLES = {
    "pending": _l("Pending review"),
    "approved": _l("Approved"),
    "in_batch": _l("Approved, in a payment batch"),
    "rejected": _l("Rejected"),
    "ineligible": _l("Not eligible"),
    "paid": _l("Paid"),
}
KINDS = {"certificate": _l("Certificate subsidy"), "living_allowance": _l("Living allowance")}
_LIVE_SQL = "status IN ('pending','approved','in_batch','paid')"


class SubsidyPolicy(TimestampMixin, db.Model):
    """A versioned policy for a region prefix ("" = national) and an effective period.

    Never edited in place once created: an edit makes a new version, so every decision keeps
    pointing at the rules it was made with.
    """

    __tablename__ = "subsidy_policies"
    __table_args__ = (
        UniqueConstraint("region_prefix", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("effective_to IS NULL OR effective_to >= effective_from",
                        name="period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    region_prefix: Mapped[str] = mapped_column(String(6), nullable=False, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    effective_from: Mapped[date] = mapped_column(Date, nullable=False)
    effective_to: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    settings: Mapped[dict] = mapped_column(JSON, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<SubsidyPolicy #{self.id} {self.region_prefix or 'national'} v{self.version}>"


class PaymentBatch(TimestampMixin, db.Model):
    __tablename__ = "payment_batches"
    __table_args__ = (
        CheckConstraint("status IN ('open','paid')", name="status_known"),
        CheckConstraint("total_fen >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="open")
    total_fen: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    claim_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The first download of a payment file: from then on the bank may hold the claims, so a
    # revocation flags a claim for recovery instead of taking it out of the batch.
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    claims: Mapped[list["SubsidyClaim"]] = relationship(back_populates="batch",
                                                         order_by="SubsidyClaim.id")
    created_by = relationship("User", foreign_keys=[created_by_id])
    paid_by = relationship("User", foreign_keys=[paid_by_id])
    exported_by = relationship("User", foreign_keys=[exported_by_id])

    def __repr__(self) -> str:
        return f"<PaymentBatch #{self.id} {self.status} {self.total_fen} fen>"


class SubsidyClaim(TimestampMixin, db.Model):
    """One claim per certificate and kind; the decision explains itself rule by rule."""

    __tablename__ = "subsidy_claims"
    __table_args__ = (
        UniqueConstraint("certificate_id", "kind"),
        CheckConstraint("kind IN ('certificate','living_allowance')", name="kind_known"),
        CheckConstraint("status IN ('pending','approved','rejected','ineligible','in_batch',"
                        "'paid')", name="status_known"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
        CheckConstraint("(status IN ('in_batch','paid')) = (batch_id IS NOT NULL)",
                        name="batch_matches_status"),
        CheckConstraint("status <> 'ineligible' OR amount_fen = 0", name="ineligible_unpaid"),
        # The database refuses a second live subsidy for the same person, occupation and level.
        Index("uq_subsidy_claims_person_occupation_level", "trainee_id", "occupation_id",
              "level", unique=True,
              sqlite_where=text(f"kind = 'certificate' AND {_LIVE_SQL}"),
              postgresql_where=text(f"kind = 'certificate' AND {_LIVE_SQL}")),
        Index("ix_subsidy_claims_queue", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="certificate")
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), nullable=False)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), nullable=False)
    occupation_id: Mapped[int] = mapped_column(ForeignKey("occupations.id"), nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    claim_year: Mapped[int] = mapped_column(Integer, nullable=False)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("subsidy_policies.id"))
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="pending")
    eligible: Mapped[bool] = mapped_column(Boolean, nullable=False)
    amount_fen: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # {"policy": {...}, "reasons": [RuleResult.as_dict()...], "computed_fen": n}
    decision: Mapped[dict] = mapped_column(JSON, nullable=False)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_reason: Mapped[str | None] = mapped_column(String(500))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id"), index=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flagged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    flag_reason: Mapped[str | None] = mapped_column(String(500))
    # Four eyes: who put the claim in a batch and who marked it paid (decided_by approved it).
    batched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The payee's bank account as it was when batched: a later change cannot redirect a batch.
    payee_bank: Mapped[str | None] = mapped_column(String(100))
    payee_account: Mapped[str | None] = mapped_column(String(30))

    trainee = relationship("User", foreign_keys=[trainee_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    certificate = relationship("Certificate")
    course = relationship("Course")
    occupation = relationship("Occupation")
    policy: Mapped[SubsidyPolicy | None] = relationship()
    batch: Mapped[PaymentBatch | None] = relationship(back_populates="claims")

    def __repr__(self) -> str:
        return f"<SubsidyClaim #{self.id} {self.kind} {self.status} {self.amount_fen} fen>"

    @property
    def api_status(self) -> str:
        return API_STATUS[self.status]

    @property
    def state_title(self) -> str:
        return str(STATE_TITLES[self.status])

    @property
    def kind_title(self) -> str:
        return str(KINDS[self.kind])


class SubsidyYearLock(db.Model):
    """One row per person and year: claim decisions for that year update it first, so parallel
    issuances for one person queue up and the yearly cap is counted by one of them at a time."""

    __tablename__ = "subsidy_year_locks"

    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    touches: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    def __repr__(self) -> str:
        return f"<SubsidyYearLock {self.trainee_id}/{self.year} {self.touches}>"


class KeyGroupEvidence(TimestampMixin, db.Model):
    """A file a trainee uploaded to prove a key group; stored under instance/evidence/."""

    __tablename__ = "key_group_evidence"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("key_group_declarations.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)

    declaration = relationship("KeyGroupDeclaration")

    def __repr__(self) -> str:
        return f"<KeyGroupEvidence #{self.id} user={self.user_id} {self.filename!r}>"


class BankAccount(TimestampMixin, db.Model):
    """Where a trainee's subsidies are paid: a bank card (Luhn-checked; the social security
    card's financial account is one) or a bank account number. One per trainee."""

    __tablename__ = "bank_accounts"
    __table_args__ = (
        CheckConstraint("kind IN ('card','account')", name="kind_known"),
        CheckConstraint("length(account_number) BETWEEN 12 AND 30", name="number_length"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    bank_name: Mapped[str] = mapped_column(String(100), nullable=False)
    account_number: Mapped[str] = mapped_column(String(30), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)

    def __repr__(self) -> str:
        return f"<BankAccount user={self.user_id} {self.kind} {self.masked}>"

    @property
    def masked(self) -> str:
        return mask_account(self.account_number)


def mask_account(number: str | None) -> str:
    """Only the last four digits: ************1234."""
    if not number:
        return ""
    return "*" * max(len(number) - 4, 4) + number[-4:]
