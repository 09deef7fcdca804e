"""Annual targets, employment records and follow-up calls, enterprise demand orders."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import TimestampMixin, UTCDateTime

FIGURES = ("trained", "passed", "certified", "subsidised", "employed")
FIGURE_TITLES = {
    "trained": _l("Trained"),
    "passed": _l("Passed"),
    "certified": _l("Certified"),
    "subsidised": lazy_pgettext("report figure", "Subsidised"),
    "employed": _l("Employed"),
}
EMPLOYMENT_STATUSES = {
    "reported": _l("Reported, awaiting confirmation"),
    "confirmed": _l("Confirmed"),
    "rejected": lazy_pgettext("employment", "Rejected"),
}
FOLLOW_UP_OUTCOMES = {
    "reached_employed": _l("Reached: has found work"),
    "reached_seeking": _l("Reached: still looking for work"),
    "reached_not_seeking": _l("Reached: not looking for work"),
    "no_answer": _l("No answer"),
    "wrong_number": _l("Wrong number"),
}
ORDER_STATUSES = {
    "open": lazy_pgettext("demand order", "Open"),
    "dispatched": _l("Dispatched to institutions"),
    "in_training": _l("In training"),
    "fulfilled": _l("Fulfilled"),
    "cancelled": _l("Cancelled"),
}
DISPATCH_STATUSES = {
    "pending": _l("Awaiting the institution"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
}


class Target(TimestampMixin, db.Model):
    """A year's target for a region, optionally narrowed to one occupation or key group.

    Empty strings (not NULL) mark "all occupations" / "all groups", so the unique key holds
    on every database (NULLs are distinct in unique constraints).
    """

    __tablename__ = "report_targets"
    __table_args__ = (
        UniqueConstraint("year", "region_code", "occupation_code", "key_group"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        *(CheckConstraint(f"{f} IS NULL OR {f} >= 0", name=f"{f}_not_negative")
          for f in FIGURES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False)
    occupation_code: Mapped[str] = mapped_column(String(16), nullable=False, default="",
                                                 server_default="")
    key_group: Mapped[str] = mapped_column(String(32), nullable=False, default="",
                                           server_default="")
    trained: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[int | None] = mapped_column(Integer)
    certified: Mapped[int | None] = mapped_column(Integer)
    subsidised: Mapped[int | None] = mapped_column(Integer)
    employed: Mapped[int | None] = mapped_column(Integer)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        scope = "/".join(s for s in (self.occupation_code, self.key_group) if s)
        return f"<Target {self.year} {self.region_code} {scope or 'all'}>"

    def figures(self) -> dict:
        return {f: getattr(self, f) for f in FIGURES}


class DemandOrder(TimestampMixin, db.Model):
    """An enterprise's order for trained workers ("40 luggage sewing workers by March")."""

    __tablename__ = "demand_orders"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        CheckConstraint("workers BETWEEN 1 AND 10000", name="workers_range"),
        CheckConstraint("wage_fen >= 0", name="wage_not_negative"),
        CheckConstraint("status IN ('open','dispatched','in_training','fulfilled','cancelled')",
                        name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False,
                                               index=True)
    occupation_id: Mapped[int] = mapped_column(ForeignKey("occupations.id"), nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    workers: Mapped[int] = mapped_column(Integer, nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    wage_fen: Mapped[int] = mapped_column(Integer, nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open",
                                        server_default="open")

    enterprise = relationship("User", foreign_keys=[enterprise_id])
    occupation = relationship("Occupation", lazy="joined")
    dispatches: Mapped[list["OrderDispatch"]] = relationship(
        back_populates="order", order_by="OrderDispatch.id", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<DemandOrder #{self.id} {self.workers}x occ={self.occupation_id} {self.status}>"

    @property
    def employer_name(self) -> str:
        return self.enterprise.organisation or self.enterprise.name

    @property
    def course_ids(self) -> list[int]:
        return [d.course_id for d in self.dispatches if d.course_id is not None]


class OrderDispatch(TimestampMixin, db.Model):
    """An order sent to one institution; accepting it links the course that trains for it."""

    __tablename__ = "order_dispatches"
    __table_args__ = (
        UniqueConstraint("order_id", "institution_id"),
        CheckConstraint("status IN ('pending','accepted','declined')", name="status_known"),
        CheckConstraint("status <> 'accepted' OR course_id IS NOT NULL",
                        name="accepted_has_course"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("demand_orders.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), nullable=False,
                                                index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending",
                                        server_default="pending")
    dispatched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[DemandOrder] = relationship(back_populates="dispatches")
    institution = relationship("Institution", lazy="joined")
    course = relationship("Course")

    def __repr__(self) -> str:
        return f"<OrderDispatch #{self.id} order={self.order_id} inst={self.institution_id}>"


class EmploymentRecord(TimestampMixin, db.Model):
    """A job after training, reported by the trainee or recorded by the hiring enterprise.

    Only confirmed records count in reports. A hire through a demand order carries the order,
    and one trainee is hired once per order.
    """

    __tablename__ = "employment_records"
    __table_args__ = (
        UniqueConstraint("order_id", "trainee_id"),
        CheckConstraint("status IN ('reported','confirmed','rejected')", name="status_known"),
        CheckConstraint("monthly_wage_fen >= 0", name="wage_not_negative"),
        CheckConstraint("contract_months IS NULL OR contract_months BETWEEN 0 AND 600",
                        name="contract_range"),
        Index("ix_employment_records_status_started", "status", "started_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    employer: Mapped[str] = mapped_column(String(200), nullable=False)
    employer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("demand_orders.id"), index=True)
    occupation_id: Mapped[int | None] = mapped_column(ForeignKey("occupations.id"))
    started_on: Mapped[date] = mapped_column(Date, nullable=False)
    monthly_wage_fen: Mapped[int] = mapped_column(Integer, nullable=False)
    contract_months: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="reported",
                                        server_default="reported")
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    trainee = relationship("User", foreign_keys=[trainee_id])
    course = relationship("Course")
    occupation = relationship("Occupation")

    def __repr__(self) -> str:
        return f"<EmploymentRecord #{self.id} trainee={self.trainee_id} {self.status}>"


class FollowUpNote(TimestampMixin, db.Model):
    """What an officer learnt from one follow-up call to a trainee after training."""

    __tablename__ = "follow_up_notes"
    __table_args__ = (
        CheckConstraint("outcome IN ('reached_employed','reached_seeking','reached_not_seeking',"
                        "'no_answer','wrong_number')", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    outcome: Mapped[str] = mapped_column(String(24), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    author = relationship("User", foreign_keys=[author_id])

    def __repr__(self) -> str:
        return f"<FollowUpNote #{self.id} trainee={self.trainee_id} {self.outcome}>"

DIMENSION_NAMES = {
    "occupation": _l("Occupation"),
    "region": _l("Region"),
    "key_group": _l("Key group"),
    "institution": _l("Institution"),
    "platform": _l("Platform"),
    "course": _l("Course"),
}
