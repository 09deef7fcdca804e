"""Test data builders: plain functions that commit, so requests in the test see the rows."""

import itertools
import re
from contextlib import contextmanager

from sqlalchemy import event

from accounts import idcard
from accounts.models import KeyGroupDeclaration, TraineeProfile, User
from core.extensions import db
from core.timeutil import now_utc
from courses.models import (
    Course,
    CourseInstructor,
    Enrolment,
    Institution,
    Occupation,
    Platform,
    ProviderInstructor,
)

PASSWORD = "secret-pass-1"
_seq = itertools.count(1)
_hashes: dict[str, str] = {}


def _set_password(user: User, password: str) -> None:
    """scrypt is slow on purpose; hash each test password once per run."""
    if password not in _hashes:
        user.set_password(password)
        _hashes[password] = user.password_hash
    user.password_hash = _hashes[password]


def valid_id_number(n: int | None = None, region: str = "330482", born: str = "19900101") -> str:
    """A valid resident ID number, distinct per call (sequence digits vary)."""
    n = next(_seq) if n is None else n
    return idcard.make_valid(f"{region}{born}{n % 1000:03d}")


def make_user(role: str = "trainee", *, email: str | None = None, name: str | None = None,
              password: str = PASSWORD, key_groups: list[str] | tuple = (),
              confirmed_groups: list[str] | tuple = (), region_code: str = "330482",
              id_number: str | None = None, **extra) -> User:
    n = next(_seq)
    user = User(email=email or f"{role}{n}@example.test", name=name or f"{role.title()} {n}",
                role=role, phone=f"1380000{n:04d}", **extra)
    _set_password(user, password)
    if role == "trainee":
        number = id_number or idcard.make_valid(f"{region_code}1990{1 + n % 12:02d}{1 + n % 28:02d}"
                                                f"{n % 1000:03d}")
        user.profile = TraineeProfile(id_number=number, birth_date=idcard.birth_date(number),
                                      region_code=region_code)
        groups = set(key_groups) | set(confirmed_groups)
        user.profile.key_groups = [
            KeyGroupDeclaration(group=g, status="confirmed" if g in confirmed_groups
                                else "declared") for g in sorted(groups)]
    db.session.add(user)
    db.session.commit()
    return user


def make_occupation(code: str | None = None, name_zh: str = "互联网营销师",
                    name_en: str = "Internet marketing specialist", levels: str = "54321"
                    ) -> Occupation:
    n = next(_seq)
    occupation = Occupation(code=code or f"4-01-{n // 100 % 100:02d}-{n % 100:02d}",
                            name_zh=name_zh, name_en=name_en, levels=levels)
    db.session.add(occupation)
    db.session.commit()
    return occupation


def make_platform(name: str | None = None) -> Platform:
    platform = Platform(name=name or f"Platform {next(_seq)}", website="https://p.example.cn")
    db.session.add(platform)
    db.session.commit()
    return platform


def make_institution(name: str | None = None, region_code: str = "330482") -> Institution:
    n = next(_seq)
    institution = Institution(name=name or f"Institution {n}", region_code=region_code,
                              licence_number=f"LIC{n:06d}")
    db.session.add(institution)
    db.session.commit()
    return institution


def make_course(instructor: User | None = None, *, occupation: Occupation | None = None,
                title: str | None = None, level: int = 5, mode: str = "online",
                required_hours: int = 60, region_code: str = "330482", published: bool = True,
                subsidised: bool = True, approved: bool = True, **extra) -> Course:
    """A course; `approved` stands for an officer's approval to issue certificates (tests of
    the approval itself pass approved=False)."""
    instructor = instructor or make_user("instructor")
    occupation = occupation or make_occupation()
    course = Course(title=title or f"Course {next(_seq)}", occupation_id=occupation.id,
                    level=level, mode=mode, required_hours=required_hours,
                    region_code=region_code, subsidised=subsidised,
                    status="published" if published else "draft",
                    published_at=now_utc() if published else None,
                    approved_at=now_utc() if approved else None, **extra)
    course.instructor_links.append(CourseInstructor(user_id=instructor.id))
    db.session.add(course)
    db.session.commit()
    return course


def assign_provider(instructor: User, provider: Institution | Platform) -> ProviderInstructor:
    """What an officer does: let the instructor publish under the institution or platform."""
    kind = "institution" if isinstance(provider, Institution) else "platform"
    row = ProviderInstructor(user_id=instructor.id, **{f"{kind}_id": provider.id})
    db.session.add(row)
    db.session.commit()
    return row


def enrol(trainee: User, course: Course) -> Enrolment:
    enrolment = Enrolment(course_id=course.id, trainee_id=trainee.id, status="active")
    db.session.add(enrolment)
    db.session.commit()
    return enrolment


def csrf_token(client, path: str = "/") -> str:
    """The CSRF token of the client's session, read from a page's <meta name="csrf-token">."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, f"no csrf meta on {path}"
    return match.group(1)


def login(client, user: User, password: str = PASSWORD):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": password,
                                           "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def api_headers(client, user: User, password: str = PASSWORD) -> dict:
    """Bearer headers for `user`, obtained through the real token endpoint."""
    response = client.post("/api/v1/auth/token", json={"email": user.email,
                                                       "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def grant_attendance(trainee: User, course: Course, minutes: int, source: str = "offline"):
    """Give `trainee` `minutes` of REAL attendance in `course` (ended in the past hour):
    an offline class with check-in/out, a live session with join/leave events, or a watched
    recorded lesson. Returns the session or lesson created."""
    from datetime import timedelta

    from attendance.models import (
        LessonProgress,
        LiveEvent,
        LiveSession,
        OfflineCheckin,
        OfflineSession,
    )
    from courses.models import Lesson

    end = now_utc().replace(microsecond=0) - timedelta(minutes=1)
    start = end - timedelta(minutes=minutes)
    if db.session.scalar(db.select(Enrolment.id).where(
            Enrolment.course_id == course.id, Enrolment.trainee_id == trainee.id)) is None:
        enrol(trainee, course)
    if source == "offline":
        made = OfflineSession(course_id=course.id, title=f"Class {next(_seq)}", starts_at=start,
                              ends_at=end, code_key="k" * 64)
        db.session.add(made)
        db.session.flush()
        db.session.add(OfflineCheckin(session_id=made.id, trainee_id=trainee.id,
                                      checked_in_at=start, checked_out_at=end))
    elif source == "live":
        made = LiveSession(course_id=course.id, title=f"Live {next(_seq)}", kind="lecture",
                           starts_at=start, ends_at=end)
        db.session.add(made)
        db.session.flush()
        for kind, at in (("join", start), ("leave", end)):
            db.session.add(LiveEvent(source="webhook", type=kind, at=at, received_at=at,
                                     session_id=made.id, trainee_id=trainee.id,
                                     event_ref=f"grant-{made.id}-{kind}"))
    elif source == "lesson":
        made = Lesson(course_id=course.id, title=f"Lesson {next(_seq)}", kind="video",
                      duration_minutes=minutes, position=len(course.lessons) + 1)
        db.session.add(made)
        db.session.flush()
        db.session.add(LessonProgress(lesson_id=made.id, trainee_id=trainee.id,
                                      watched_seconds=minutes * 60, last_position=minutes * 60,
                                      completed_at=end))
    else:
        raise ValueError(f"unknown attendance source {source!r}")
    db.session.flush()
    # Written straight to the tables, not through the services: keep the stored summary too.
    from attendance import summary_store

    summary_store.refresh(course.id, [trainee.id], summary_store.PARTS)
    db.session.commit()
    return made


@contextmanager
def count_statements():
    """The SQL statements run inside the block (query-count assertions)."""
    statements: list[str] = []

    def before(_conn, _cursor, statement, _params, _context, _many):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
