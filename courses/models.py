"""The training menu: platforms, institutions, occupations, courses, lessons, enrolments."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    DDL,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import TimestampMixin, UTCDateTime

MODES = {
    "online": _l("Online (recorded)"),
    "live": _l("Live-stream"),
    "offline": _l("Offline classroom"),
    "blended": _l("Blended online/offline"),
}
LEVELS = {
    5: _l("Level 5 (entry)"),
    4: _l("Level 4 (intermediate)"),
    3: _l("Level 3 (senior)"),
    2: _l("Level 2 (technician)"),
    1: _l("Level 1 (senior technician)"),
}
CERTIFICATE_TYPES = {
    "skill_level": _l("Vocational skill level certificate"),
    "vocational_qualification": _l("Vocational qualification certificate"),
    "special_ability": _l("Special vocational ability certificate"),
    "training_completion": _l("Training completion certificate"),
}
COURSE_STATUSES = ("draft", "published", "archived")
LESSON_KINDS = {"video": _l("Video"), "document": _l("Document"), "live": _l("Live class")}


class Platform(TimestampMixin, db.Model):
    """A recommended online training platform."""

    __tablename__ = "platforms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    website: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    recommended_by: Mapped[str | None] = mapped_column(String(120))
    recommended_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def __repr__(self) -> str:
        return f"<Platform #{self.id} {self.name}>"


class Institution(TimestampMixin, db.Model):
    """A licensed training institution."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    licence_number: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def __repr__(self) -> str:
        return f"<Institution #{self.id} {self.name}>"


class Occupation(TimestampMixin, db.Model):
    """An occupation of the national classification, e.g. 4-01-02-07 互联网营销师."""

    __tablename__ = "occupations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    name_zh: Mapped[str] = mapped_column(String(80), nullable=False)
    name_en: Mapped[str] = mapped_column(String(120), nullable=False)
    # Levels offered, as digits, highest number (entry) first: "54321", "543".
    levels: Mapped[str] = mapped_column(String(5), nullable=False, default="54321")

    shortages: Mapped[list["OccupationShortage"]] = relationship(
        back_populates="occupation", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Occupation {self.code} {self.name_en}>"

    def name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en

    @property
    def level_list(self) -> list[int]:
        return [int(c) for c in self.levels]

    def shortage_in(self, region_code: str) -> bool:
        return any(region_code.startswith(s.region_prefix) for s in self.shortages)


class OccupationShortage(db.Model):
    """The occupation is on a region's shortage list (prefix: "33" a province, "3301" a city)."""

    __tablename__ = "occupation_shortages"
    __table_args__ = (UniqueConstraint("occupation_id", "region_prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occupation_id: Mapped[int] = mapped_column(ForeignKey("occupations.id", ondelete="CASCADE"))
    region_prefix: Mapped[str] = mapped_column(String(6), nullable=False)

    occupation: Mapped[Occupation] = relationship(back_populates="shortages")

    def __repr__(self) -> str:
        return f"<OccupationShortage {self.occupation_id} in {self.region_prefix}>"


class ProviderInstructor(TimestampMixin, db.Model):
    """An instructor teaches for an institution or a platform; only officers assign this."""

    __tablename__ = "provider_instructors"
    __table_args__ = (
        CheckConstraint("(institution_id IS NULL) <> (platform_id IS NULL)",
                        name="one_provider"),
        UniqueConstraint("user_id", "institution_id"),
        UniqueConstraint("user_id", "platform_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[int | None] = mapped_column(
        ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id])

    def __repr__(self) -> str:
        where = f"institution={self.institution_id}" if self.institution_id \
            else f"platform={self.platform_id}"
        return f"<ProviderInstructor user={self.user_id} {where}>"


class CourseInstructor(db.Model):
    __tablename__ = "course_instructors"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)

    def __repr__(self) -> str:
        return f"<CourseInstructor course={self.course_id} user={self.user_id}>"


class Course(TimestampMixin, db.Model):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        CheckConstraint("mode IN ('online','live','offline','blended')", name="mode_known"),
        CheckConstraint("status IN ('draft','published','archived')", name="status_known"),
        CheckConstraint("required_hours > 0", name="hours_positive"),
        CheckConstraint("fee_fen >= 0", name="fee_not_negative"),
        CheckConstraint("attendance_threshold > 0 AND attendance_threshold <= 1",
                        name="threshold_range"),
        CheckConstraint("NOT (platform_id IS NOT NULL AND institution_id IS NOT NULL)",
                        name="one_provider"),
        Index("ix_courses_menu", "status", "published_at", "id"),
        Index("ix_courses_occupation_level", "occupation_id", "level"),
        # Menu filters: counts read these indexes alone, never the table.
        Index("ix_courses_menu_mode", "status", "mode", "region_code", "subsidised", "level"),
        Index("ix_courses_menu_region", "status", "region_code", "subsidised", "level"),
        # PostgreSQL: titles containing a query of 3+ characters, LIKE or ILIKE (pg_trgm's
        # trigrams; shorter queries use course_search_terms' character pairs, see search.py).
        Index("ix_courses_title_trgm", "title", postgresql_using="gin",
              postgresql_ops={"title": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    occupation_id: Mapped[int] = mapped_column(ForeignKey("occupations.id"), nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    mode: Mapped[str] = mapped_column(String(16), nullable=False)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    required_hours: Mapped[int] = mapped_column(Integer, nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    subsidised: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    fee_fen: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    attendance_threshold: Mapped[float] = mapped_column(Float, nullable=False, default=0.8,
                                                        server_default="0.8")
    certificate_type: Mapped[str] = mapped_column(String(32), nullable=False,
                                                  default="skill_level",
                                                  server_default="skill_level")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # An officer's approval: exams of a certificate-issuing course open only with it.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    occupation: Mapped[Occupation] = relationship(lazy="joined")
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    platform: Mapped[Platform | None] = relationship(lazy="joined")
    institution: Mapped[Institution | None] = relationship(lazy="joined")
    lessons: Mapped[list["Lesson"]] = relationship(
        back_populates="course", order_by="Lesson.position", cascade="all, delete-orphan")
    instructor_links: Mapped[list[CourseInstructor]] = relationship(cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Course #{self.id} {self.title!r} L{self.level} {self.mode} {self.status}>"

    @property
    def required_minutes(self) -> int:
        return self.required_hours * 60

    @property
    def provider(self) -> dict | None:
        if self.platform is not None:
            return {"kind": "platform", "id": self.platform.id, "name": self.platform.name}
        if self.institution is not None:
            return {"kind": "institution", "id": self.institution.id,
                    "name": self.institution.name}
        return None

    @property
    def issues_certificates(self) -> bool:
        """Subsidised or with a certificate type: a pass signs a certificate in our name."""
        return bool(self.subsidised or self.certificate_type)

    @property
    def approval_pending(self) -> bool:
        return self.issues_certificates and self.approved_at is None

    def is_instructor(self, user) -> bool:
        return any(link.user_id == user.id for link in self.instructor_links)


class CourseSearchTerm(db.Model):
    """One n-gram of a course title (courses/search.py keeps these in step with the titles)."""

    __tablename__ = "course_search_terms"

    term: Mapped[str] = mapped_column(String(8), primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True)

    def __repr__(self) -> str:
        return f"<CourseSearchTerm {self.term!r} course={self.course_id}>"


class Lesson(TimestampMixin, db.Model):
    __tablename__ = "lessons"
    __table_args__ = (
        CheckConstraint("kind IN ('video','document','live')", name="kind_known"),
        CheckConstraint("duration_minutes >= 0", name="duration_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="video")
    video_url: Mapped[str | None] = mapped_column(String(500))
    document_url: Mapped[str | None] = mapped_column(String(500))
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    description_html: Mapped[str] = mapped_column(Text, nullable=False, default="")

    course: Mapped[Course] = relationship(back_populates="lessons")

    def __repr__(self) -> str:
        return f"<Lesson #{self.id} course={self.course_id} {self.title!r}>"


class Enrolment(TimestampMixin, db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("course_id", "trainee_id"),
        CheckConstraint("status IN ('active','withdrawn','completed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), nullable=False, index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")

    course: Mapped[Course] = relationship()
    trainee = relationship("User")

    def __repr__(self) -> str:
        return f"<Enrolment #{self.id} course={self.course_id} trainee={self.trainee_id}>"


# The trigram index needs its extension first (create_all in tests; migration 0010 otherwise).
event.listen(Course.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
