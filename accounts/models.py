"""Users, trainee profiles and declared key groups."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from accounts.idcard import mask
from core.auth import ROLES
from core.extensions import db
from core.models import TimestampMixin, UTCDateTime

KEY_GROUPS = {
    "poverty_registered": _l("Poverty-registered labourer"),
    "rural_migrant": _l("Rural migrant worker"),
    "registered_unemployed": _l("Registered unemployed"),
    "laid_off": _l("Laid-off worker"),
    "college_graduate": _l("College graduate (within two years)"),
    "veteran": _l("Veteran"),
    "disabled": _l("Disabled person"),
    "retired_fisherman": _l("Retired fisherman"),
}
ROLE_TITLES = {
    "trainee": _l("Trainee"),
    "instructor": _l("Instructor"),
    "officer": _l("Subsidy officer"),
    "enterprise": _l("Enterprise"),
    "admin": _l("Administrator"),
}
KEY_GROUP_STATUSES = ("declared", "confirmed", "refused")
KEY_GROUP_STATUS_TITLES = {
    "declared": _l("Awaiting confirmation"),
    "confirmed": _l("Confirmed"),
    "refused": _l("Not confirmed"),
}
assert set(ROLE_TITLES) == set(ROLES)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('trainee','instructor','officer','enterprise','admin')",
                        name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Trainees log in by phone; email is optional (NULLs do not collide in a unique index).
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # Bumped on logout, password change, reset and deactivation: every session cookie made
    # before (they carry it, see get_id) stops working on its next request.
    auth_version: Mapped[int] = mapped_column(Integer, default=1, nullable=False,
                                              server_default="1")
    # Set by an officer's reset: the temporary password works once, for choosing a new one.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False,
                                                       server_default=sa_false())
    # Which privacy notice the trainee accepted, and when (ID number and evidence collection).
    consent_version: Mapped[str | None] = mapped_column(String(16))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Instructors teach for an institution; enterprises are their own organisation.
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    organisation: Mapped[str | None] = mapped_column(String(200))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    profile: Mapped["TraineeProfile | None"] = relationship(back_populates="user", uselist=False)

    def __repr__(self) -> str:
        return f"<User #{self.id} {self.role} {self.email or self.phone_masked}>"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.auth_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_title(self) -> str:
        return str(ROLE_TITLES[self.role])

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) > 7 else "****"


class TraineeProfile(db.Model):
    """What identifies a trainee to the bureau: one resident ID number, stored once."""

    __tablename__ = "trainee_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True, nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)

    user: Mapped[User] = relationship(back_populates="profile")
    key_groups: Mapped[list["KeyGroupDeclaration"]] = relationship(
        back_populates="profile", order_by="KeyGroupDeclaration.group",
        cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<TraineeProfile user={self.user_id} {self.id_masked}>"

    @property
    def id_masked(self) -> str:
        return mask(self.id_number)


class KeyGroupDeclaration(TimestampMixin, db.Model):
    """A key group the trainee declared; only officer-confirmed ones count for subsidies."""

    __tablename__ = "key_group_declarations"
    __table_args__ = (
        UniqueConstraint("user_id", "group"),
        CheckConstraint("status IN ('declared','confirmed','refused')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("trainee_profiles.user_id", ondelete="CASCADE"), index=True)
    group: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="declared")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    profile: Mapped[TraineeProfile] = relationship(back_populates="key_groups")

    def __repr__(self) -> str:
        return f"<KeyGroupDeclaration user={self.user_id} {self.group} {self.status}>"

    @property
    def title(self) -> str:
        return str(KEY_GROUPS.get(self.group, self.group))


class OfficerRegion(db.Model):
    """A region an officer works for (province, city or district code). An officer with no
    row works for every region; with rows, only inside them (see accounts.scope)."""

    __tablename__ = "officer_scopes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)

    def __repr__(self) -> str:
        return f"<OfficerRegion user={self.user_id} {self.region_code}>"
