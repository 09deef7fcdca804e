"""Lifecycle of enrolments (active ⇄ withdrawn, active → completed) and courses (→ archived),
and the one check of whether a trainee takes part in a course now (`participation`, used by
exams).

One rule for every feature: an enrolment is on the course's roll while it is `active` or
`completed` (ON_ROLL; `on_roll(Enrolment.status)` in queries). Attendance counts and is shown
for both; only a withdrawal takes a trainee off the roll. A completed enrolment cannot be
withdrawn, and an exam already passed cannot be sat again (exams' `already_passed`).

Completion follows the final passing result (core.signals.exam_passed), in the result's own
transaction; the certificate follows it through its outbox. Revoking or reissuing the
certificate does not move the enrolment back: the training was completed and stays on record.
"""

from flask_babel import gettext as _
from sqlalchemy import bindparam, select, update

from accounts import scope
from core import audit
from core.errors import Conflict, Forbidden, NotFound, ServiceError
from core.extensions import db
from courses.models import Course, Enrolment

ON_ROLL = ("active", "completed")


def on_roll(status_column):
    """A where-clause: the enrolment counts on the course's roll (attendance figures, sheets)."""
    return status_column.in_(ON_ROLL)


# Built once: every exam start reads it.
_ENROLMENT = select(Enrolment).where(Enrolment.course_id == bindparam("course"),
                                     Enrolment.trainee_id == bindparam("trainee"))


def participation(trainee_id: int, course: Course) -> Enrolment:
    """The trainee's enrolment when they take part in `course` now; otherwise a clear
    refusal: 409 course_archived, 403 not_enrolled (never enrolled, or withdrawn)."""
    if course.status == "archived":
        raise Conflict(_("This course is archived: it takes no new work."), code="course_archived")
    enrolment = db.session.scalar(_ENROLMENT, {"course": course.id, "trainee": trainee_id})
    if enrolment is None or enrolment.status == "withdrawn":
        raise ServiceError(_("Enrol in the course before taking its exam."),
                           code="not_enrolled", status=403)
    return enrolment


def withdraw(trainee, enrolment_id: int) -> Enrolment:
    """The trainee leaves a course: attendance stops counting, exams close to them. They may
    enrol again later (the same enrolment becomes active, its attendance kept)."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound(_("No such enrolment."))
    if enrolment.trainee_id != trainee.id:
        raise Forbidden(_("This is not your enrolment."))
    if enrolment.status == "completed":
        raise Conflict(_("You have completed this course."), code="course_completed")
    if enrolment.status == "withdrawn":
        return enrolment
    enrolment.status = "withdrawn"
    audit.record(trainee, "enrolment.withdrawn", enrolment, before={"status": "active"},
                 after={"status": "withdrawn"})
    return enrolment


def reactivate(trainee, enrolment: Enrolment) -> Enrolment:
    enrolment.status = "active"
    audit.record(trainee, "enrolment.reactivated", enrolment, before={"status": "withdrawn"},
                 after={"status": "active"})
    return enrolment


# Built once: every passing submit runs it. One UPDATE moves only an active enrolment, where
# reading the entity and flushing its change took two statements and the unit of work; the
# "fetch" sync (RETURNING the key) updates an Enrolment this session already holds.
_COMPLETE = (update(Enrolment)
             .where(Enrolment.course_id == bindparam("course"),
                    Enrolment.trainee_id == bindparam("trainee"), Enrolment.status == "active")
             .values(status="completed").returning(Enrolment.id)
             .execution_options(synchronize_session="fetch"))


def complete(trainee_id: int, course_id: int, actor=None) -> bool:
    """The trainee passed the course's exam: their enrolment becomes `completed` (audited).
    Idempotent; a completed, withdrawn or missing enrolment is left alone (False)."""
    completed = db.session.scalar(_COMPLETE, {"course": course_id, "trainee": trainee_id})
    if completed is None:
        return False
    audit.record(actor, "enrolment.completed", ("Enrolment", completed),
                 before={"status": "active"}, after={"status": "completed"})
    return True


def on_exam_passed(_sender, *, trainee_id, course_id, actor=None, **_kw):
    """Receiver of core.signals.exam_passed (connected once in courses.init_app)."""
    complete(trainee_id, course_id, actor)


def archive(user, course: Course) -> Course:
    """An instructor of the course or an officer archives it: off the menu, no new enrolments,
    no new exam attempts or attendance; results, certificates and claims stay."""
    if not (user.role == "officer" or (user.role == "instructor" and course.is_instructor(user))):
        raise Forbidden(_("Only the course's instructors or an officer may archive it."))
    if user.role == "officer":
        scope.require(user, course.region_code)
    if course.status == "archived":
        return course
    before = course.status
    course.status = "archived"
    audit.record(user, "course.archived", course, before={"status": before},
                 after={"status": "archived"})
    return course
