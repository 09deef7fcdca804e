"""Attendance: live sessions and their webhook events, lesson watching, offline classes.

Table names are a stable interface (reports query them):
- live_sessions, live_events (raw join/leave/heartbeat evidence), live_attendance
  (per session x trainee result, written when a session is closed),
- platform_webhook_secrets, platform_accounts, platform_webhook_log (rolling, per platform),
- lesson_progress, lesson_watch_clocks, study_days, lesson_media,
- offline_sessions, offline_checkins,
- attendance_summaries (stored per trainee x course seconds for the exam gate).
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Float,
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
from core.timeutil import now_utc

LIVE_KINDS = {"lecture": _l("Lecture"), "selling_practice": _l("Selling practice")}
EVENT_TYPES = ("join", "leave", "heartbeat")
ADAPTERS = ("skillbridge", "zoom", "tencent_meeting")
ADAPTER_TITLES = {"skillbridge": _l("SkillBridge signed batches"), "zoom": "Zoom",
                  "tencent_meeting": _l("Tencent Meeting")}
ACCOUNT_STATUSES = {"pending": _l("Pending verification"), "verified": _l("Verified")}
ATTENDANCE_STATUSES = {"present": _l("Present"), "partial": _l("Partly present"),
                       "absent": _l("Absent")}
# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a bigint.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class PlatformWebhookSecret(TimestampMixin, db.Model):
    """A platform's HMAC key. Stored encrypted (it must be recoverable to verify signatures);
    after a rotation the previous one keeps working until `expires_at`."""

    __tablename__ = "platform_webhook_secrets"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"),
                                             index=True)
    secret_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(16), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which vendor format the platform posts; the newest secret's adapter is the platform's.
    adapter: Mapped[str] = mapped_column(String(24), nullable=False, default="skillbridge",
                                         server_default="skillbridge")

    __table_args__ = (CheckConstraint("adapter IN ('skillbridge','zoom','tencent_meeting')",
                                      name="adapter_known"),)

    def __repr__(self) -> str:
        return f"<PlatformWebhookSecret #{self.id} platform={self.platform_id} {self.fingerprint}>"


class PlatformAccount(TimestampMixin, db.Model):
    """A trainee's account on a live-stream platform (how webhook `user_ref`s are resolved).
    A link is `pending` (credits nothing) until proven: the verification code seen in the
    room, a staff member's check, or the platform's signed word."""

    __tablename__ = "platform_accounts"
    __table_args__ = (UniqueConstraint("platform_id", "user_ref"),
                      UniqueConstraint("trainee_id", "platform_id"),
                      CheckConstraint("status IN ('pending','verified')", name="status_known"),
                      CheckConstraint("status = 'pending' OR verified_at IS NOT NULL",
                                      name="verified_has_time"))

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_ref: Mapped[str] = mapped_column(String(128), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending",
                                        server_default="pending")
    verification_code: Mapped[str | None] = mapped_column(String(12))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # code (seen in the room) | staff (instructor/officer) | platform (signed callback)
    verified_how: Mapped[str | None] = mapped_column(String(10))

    platform = relationship("Platform")

    def __repr__(self) -> str:
        return f"<PlatformAccount trainee={self.trainee_id} platform={self.platform_id} " \
               f"{self.status}>"


class PlatformWebhookLog(db.Model):
    """A small rolling log per platform (the last events received and the last errors),
    for the officer's platform page. Trimmed on write."""

    __tablename__ = "platform_webhook_log"
    __table_args__ = (CheckConstraint("kind IN ('received','error')", name="kind_known"),
                      Index("ix_platform_webhook_log_platform", "platform_id", "kind", "id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    adapter: Mapped[str] = mapped_column(String(24), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    summary: Mapped[str] = mapped_column(String(300), nullable=False)

    def __repr__(self) -> str:
        return f"<PlatformWebhookLog platform={self.platform_id} {self.kind} {self.summary!r}>"


class LiveSession(TimestampMixin, db.Model):
    __tablename__ = "live_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("kind IN ('lecture','selling_practice')", name="kind_known"),
        Index("ix_live_sessions_room", "platform_id", "room"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False, default="lecture")
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"))
    room: Mapped[str | None] = mapped_column(String(128))
    stream_url: Mapped[str | None] = mapped_column(String(500))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when the session was closed: open intervals ended, absentees marked.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course = relationship("Course")
    platform = relationship("Platform")

    def __repr__(self) -> str:
        return f"<LiveSession #{self.id} course={self.course_id} {self.starts_at:%Y-%m-%d %H:%M}>"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def state(self, now: datetime | None = None) -> str:
        now = now or now_utc()
        if now < self.starts_at:
            return "upcoming"
        return "live" if now < self.ends_at else "ended"


class LiveEvent(db.Model):
    """One join / leave / heartbeat: from a platform's webhook (idempotent by the platform's
    event id) or from the trainee's browser. Unmatched events (unknown user or room) are kept
    with session_id / trainee_id NULL until reconciled."""

    __tablename__ = "live_events"
    __table_args__ = (
        UniqueConstraint("platform_id", "event_ref"),
        CheckConstraint("type IN ('join','leave','heartbeat')", name="type_known"),
        CheckConstraint("source IN ('webhook','browser')", name="source_known"),
        Index("ix_live_events_session_trainee", "session_id", "trainee_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"))
    event_ref: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(8), nullable=False, default="webhook")
    type: Mapped[str] = mapped_column(String(10), nullable=False)
    room: Mapped[str | None] = mapped_column(String(128))
    user_ref: Mapped[str | None] = mapped_column(String(128))
    device: Mapped[str | None] = mapped_column(String(64))
    # One platform connection (phone, laptop, a reconnect): presence is the union of them.
    connection: Mapped[str | None] = mapped_column(String(64))
    user_name: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("live_sessions.id",
                                                              ondelete="CASCADE"))
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    def __repr__(self) -> str:
        return f"<LiveEvent #{self.id} {self.type} {self.user_ref}@{self.room} {self.at}>"


class LiveAttendance(db.Model):
    """A trainee's result for a closed live session (absentees get a row too)."""

    __tablename__ = "live_attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "trainee_id"),
        CheckConstraint("seconds >= 0", name="seconds_not_negative"),
        CheckConstraint("status IN ('present','partial','absent')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    first_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flags: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    def __repr__(self) -> str:
        return f"<LiveAttendance session={self.session_id} trainee={self.trainee_id} {self.status}>"


class LessonProgress(db.Model):
    """Seconds of a recorded lesson credited to a trainee (never more than its duration)."""

    __tablename__ = "lesson_progress"
    __table_args__ = (
        UniqueConstraint("trainee_id", "lesson_id"),
        CheckConstraint("watched_seconds >= 0", name="watched_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"),
                                           index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    watched_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_position: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    lesson = relationship("Lesson")

    def __repr__(self) -> str:
        return f"<LessonProgress lesson={self.lesson_id} trainee={self.trainee_id} " \
               f"{self.watched_seconds}s>"


class LessonWatchClock(db.Model):
    """One clock per trainee across all lessons and tabs: a heartbeat earns at most the wall
    time since the previous accepted one (compare-and-swap on `version`)."""

    __tablename__ = "lesson_watch_clocks"

    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            primary_key=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    last_beat_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_position: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # Server receive times of recent beats (for the machine-regularity signal).
    recent_gaps: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # What the previous beat said: only a span that began "playing" (visible) can earn.
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="paused",
                                       server_default="paused")
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Attention checks: when the next prompt is due, and the one shown and not yet answered.
    prompt_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    prompt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    prompt_answer: Mapped[str | None] = mapped_column(String(8))

    def __repr__(self) -> str:
        return f"<LessonWatchClock trainee={self.trainee_id} lesson={self.lesson_id}>"


class StudyDay(db.Model):
    """Online lesson time credited to a trainee on one Beijing calendar day (the daily cap),
    and the seconds not credited by reason (shown to the trainee)."""

    __tablename__ = "study_days"
    __table_args__ = (CheckConstraint("credited_seconds >= 0", name="credited_not_negative"),)

    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    credited_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lost_seconds: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)

    def __repr__(self) -> str:
        return f"<StudyDay trainee={self.trainee_id} {self.day} {self.credited_seconds}s>"


class LessonMedia(TimestampMixin, db.Model):
    """An uploaded lesson file (video or PDF) kept under the instance folder, never static/."""

    __tablename__ = "lesson_media"
    __table_args__ = (CheckConstraint("kind IN ('video','document')", name="kind_known"),
                      CheckConstraint("size_bytes > 0", name="size_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"),
                                           unique=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(80), nullable=False)
    original_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<LessonMedia lesson={self.lesson_id} {self.content_type} {self.size_bytes}>"


class OfflineSession(TimestampMixin, db.Model):
    """A classroom session; check-in codes are HMAC(code_key, session, 30-second window)."""

    __tablename__ = "offline_sessions"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    location: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    code_key: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    course = relationship("Course")

    def __repr__(self) -> str:
        return f"<OfflineSession #{self.id} course={self.course_id} {self.starts_at:%Y-%m-%d}>"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def state(self, now: datetime | None = None) -> str:
        now = now or now_utc()
        if now < self.starts_at:
            return "upcoming"
        return "live" if now < self.ends_at else "ended"


class OfflineCheckin(db.Model):
    __tablename__ = "offline_checkins"
    __table_args__ = (
        UniqueConstraint("session_id", "trainee_id"),
        CheckConstraint("checked_out_at IS NULL OR checked_in_at IS NULL "
                        "OR checked_out_at >= checked_in_at", name="out_after_in"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("offline_sessions.id",
                                                       ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    in_client: Mapped[str | None] = mapped_column(String(64))
    out_client: Mapped[str | None] = mapped_column(String(64))
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    session = relationship("OfflineSession")
    trainee = relationship("User", foreign_keys=[trainee_id])

    def __repr__(self) -> str:
        return f"<OfflineCheckin session={self.session_id} trainee={self.trainee_id}>"


class AttendanceSummary(db.Model):
    """Credited seconds per source for one trainee in one course, kept up to date in the
    transaction that records the evidence, so the exam gate reads one row instead of
    recomputing from raw events (attendance.summary_store). Live seconds cover closed
    sessions only; open ones are added when read. A missing row means "not computed yet"."""

    __tablename__ = "attendance_summaries"
    __table_args__ = (
        UniqueConstraint("trainee_id", "course_id"),
        CheckConstraint("lesson_seconds >= 0", name="lesson_not_negative"),
        CheckConstraint("offline_seconds >= 0", name="offline_not_negative"),
        CheckConstraint("live_seconds >= 0", name="live_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    lesson_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                server_default="0")
    offline_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                 server_default="0")
    live_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                              server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    def __repr__(self) -> str:
        return f"<AttendanceSummary trainee={self.trainee_id} course={self.course_id} " \
               f"{self.lesson_seconds}/{self.offline_seconds}/{self.live_seconds}s>"
