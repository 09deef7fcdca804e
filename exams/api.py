"""Exams and attempts API: exams under a course, attempts, autosave, submit, practical score,
results and item analysis."""

from flask_babel import gettext as _
from sqlalchemy import select

from core.api import PageArgs, already_dumped, api_blueprint, page_of, paginate
from core.auth import INSTRUCTOR, OFFICER, TRAINEE, api_auth, current_api_user
from core.csvexport import csv_response
from core.errors import Conflict, Forbidden
from core.extensions import db
from core.openapi import file_response
from core.timeutil import iso, now_utc
from courses import service as courses
from exams import analysis, attempts, autosave, papers, review, service
from exams.models import Attempt, Exam
from exams.schemas import (
    AnswerInSchema,
    AnswerSavedSchema,
    AttemptStartedSchema,
    ExamCreateSchema,
    ExamIdSchema,
    ExamSchema,
    ExamUpdateSchema,
    OverrideOutSchema,
    OverrideSchema,
    PracticalScoreSchema,
    ResultSchema,
)

blp = api_blueprint("exams_api", __name__, "Exams, attempts, grading and practical scoring")

ResultPageSchema = page_of(ResultSchema, "ResultPageSchema")


def exam_payload(exam: Exam, viewer=None) -> dict:
    data = {k: getattr(exam, k) for k in (
        "id", "course_id", "bank_id", "title", "blueprint", "question_count",
        "time_limit_minutes", "max_attempts", "pass_theory", "pass_practical", "rubric",
        "practical_instructions", "shuffle_questions", "shuffle_options", "review_on_submit",
        "review_after_close")}
    data.update(opens_at=iso(exam.opens_at), closes_at=iso(exam.closes_at),
                is_open=service.is_open(exam, now_utc()))
    if viewer is None or not service.can_view_results(exam, viewer):
        # How the practical part is scored is for the course's staff, not the candidates.
        data.pop("rubric")
        data.pop("practical_instructions")
    if viewer is not None and viewer.role == TRAINEE:
        data["my_attempts"] = [result_payload(a, viewer, with_review=False)
                               for a in attempts.attempts_of(exam, viewer.id)]
        data["attempts_allowed"] = attempts.allowed_attempts(exam, viewer.id)
    return data


def result_payload(attempt: Attempt, viewer, with_review: bool = True) -> dict:
    staff = viewer.id != attempt.trainee_id
    level = "full" if staff else review.review_level(attempt)
    data = {"attempt_id": attempt.id, "exam_id": attempt.exam_id,
            "trainee_id": attempt.trainee_id, "number": attempt.number,
            "status": attempt.status, "started_at": iso(attempt.started_at),
            "deadline": iso(attempt.deadline), "submitted_at": iso(attempt.submitted_at),
            "submitted_by": attempt.submitted_by, "theory_score": attempt.theory_score,
            "practical_score": attempt.practical_score,
            "practical_scores": attempt.practical_scores,
            "practical_comment": attempt.practical_comment, "passed": attempt.passed,
            "review_level": level}
    if with_review:
        data["review"] = review.review(attempt, level)
    return data


def paper_payload(attempt: Attempt, shown: tuple[list, dict] | None = None) -> dict:
    questions, answers = shown or papers.shown(attempt)
    return {"attempt_id": attempt.id, "exam_id": attempt.exam_id, "number": attempt.number,
            "status": attempt.status, "started_at": iso(attempt.started_at),
            "deadline": iso(attempt.deadline), "server_time": iso(now_utc()),
            "questions": questions, "answers": answers}


@blp.route("/courses/<int:course_id>/exams", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.arguments(ExamCreateSchema)
@blp.response(201, ExamIdSchema)
def create_exam(args, course_id):
    """An exam on a course you teach: blueprint, time limit, window, attempts, pass rule."""
    user = current_api_user()
    exam = service.create_exam(user, courses.get_course(course_id, user), args)
    return {"id": exam.id}


@blp.route("/courses/<int:course_id>/exams", methods=["GET"])
@api_auth()
@blp.response(200)
def list_exams(course_id):
    """The course's exams (trainees see their own attempts on each)."""
    user = current_api_user()
    courses.get_course(course_id, user)
    return {"items": [exam_payload(e, user) for e in service.exams_of_course(course_id)]}


@blp.route("/exams/<int:exam_id>", methods=["GET"])
@api_auth()
@blp.response(200, ExamSchema)
def get_exam(exam_id):
    """One exam (trainees: must be enrolled)."""
    user = current_api_user()
    exam = service.get_exam(exam_id)
    if user.role == TRAINEE and courses.enrolment_for(user.id, exam.course_id) is None:
        raise Forbidden(_("Enrol in the course to see its exams."))
    if user.role not in (TRAINEE, OFFICER, "admin"):
        service.require_examiner(exam, user)
    return exam_payload(exam, user)


@blp.route("/exams/<int:exam_id>", methods=["PATCH"])
@api_auth(INSTRUCTOR)
@blp.arguments(ExamUpdateSchema)
@blp.response(200, ExamSchema)
def update_exam(args, exam_id):
    """Change the window, time limit, attempts or review policy."""
    user = current_api_user()
    return exam_payload(service.update_exam(user, service.get_exam(exam_id), args), user)


@blp.route("/exams/<int:exam_id>/overrides", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.arguments(OverrideSchema)
@blp.response(200, OverrideOutSchema)
def set_override(args, exam_id):
    """Extra time or extra attempts for one trainee, with a reason (audited)."""
    row = service.set_override(current_api_user(), service.get_exam(exam_id), **args)
    return {"id": row.id, "exam_id": row.exam_id, "trainee_id": row.trainee_id,
            "extra_minutes": row.extra_minutes, "extra_attempts": row.extra_attempts,
            "reason": row.reason}


@blp.route("/exams/<int:exam_id>/attempts", methods=["POST"])
@api_auth(TRAINEE)
@blp.response(201, AttemptStartedSchema)
def start_attempt(exam_id):
    """Start an attempt: 403 not_eligible (attendance), 409 attempt_open / exam_closed /
    no_attempts_left. The paper carries no answers; the deadline is the server's."""
    user = current_api_user()
    exam = attempts.exam_to_start(exam_id)
    attempt, questions = attempts.start_attempt(user, exam)
    return already_dumped(paper_payload(attempt, (questions, {})), 201)


@blp.route("/exams/<int:exam_id>/attempts", methods=["GET"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.arguments(PageArgs, location="query")
@blp.response(200, ResultPageSchema)
def list_attempts(args, exam_id):
    """Every attempt at the exam with its result (the course's instructors, officers)."""
    user = current_api_user()
    exam = service.get_exam(exam_id)
    if not service.can_view_results(exam, user):
        raise Forbidden(_("Only the course's instructors may do this."))
    stmt = select(Attempt).where(Attempt.exam_id == exam.id).order_by(Attempt.id)
    return paginate(stmt, args["page"], args["per_page"],
                    lambda a: result_payload(a, user, with_review=False))


@blp.route("/exams/<int:exam_id>/results.csv", methods=["GET"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.doc(**file_response("text/csv", description="One row per attempt"))
def results_csv(exam_id):
    """Results as CSV (one row per attempt)."""
    user = current_api_user()
    exam = service.get_exam(exam_id)
    if not service.can_view_results(exam, user):
        raise Forbidden(_("Only the course's instructors may do this."))
    return csv_response(analysis.results_csv(exam, masked=user.role != OFFICER),
                        f"exam-{exam.id}-results.csv")


@blp.route("/exams/<int:exam_id>/analysis", methods=["GET"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.response(200)
def item_analysis(exam_id):
    """Facility and discrimination index per question, and the score distribution."""
    user = current_api_user()
    exam = service.get_exam(exam_id)
    if not service.can_view_results(exam, user):
        raise Forbidden(_("Only the course's instructors may do this."))
    return analysis.report(exam)


@blp.route("/attempts/<int:attempt_id>", methods=["GET"])
@api_auth()
@blp.response(200)
def get_attempt(attempt_id):
    """An attempt in progress (its paper and saved answers, to resume after a reload), or
    its result as far as the review policy allows."""
    user = current_api_user()
    attempt = attempts.get_attempt(attempt_id)
    attempts.require_viewer(attempt, user)
    attempts.expire_if_due(attempt)
    if attempt.status == "in_progress" and user.id == attempt.trainee_id:
        return paper_payload(attempt)
    return result_payload(attempt, user)


@blp.route("/attempts/<int:attempt_id>/answers/<int:question_id>", methods=["PUT"])
@api_auth(TRAINEE)
@blp.arguments(AnswerInSchema)
@blp.response(200, AnswerSavedSchema)
def save_answer(args, attempt_id, question_id):
    """Autosave one answer (idempotent; retry freely). After the deadline: 409
    attempt_closed."""
    user = current_api_user()
    try:
        saved = autosave.save_answer(user, attempt_id, question_id, args["answer"])
    except Conflict as error:
        if error.code == "attempt_closed":
            _finalise_expired(attempt_id)
        raise
    return already_dumped({"question_id": question_id, "answer": saved.answer,
                           "saved_at": iso(saved.saved_at), "deadline": iso(saved.deadline),
                           "server_time": iso(now_utc())})


def _finalise_expired(attempt_id: int) -> None:
    """The refused save still finalises an expired attempt: committed on its own, since the
    409 response rolls the request back."""
    db.session.rollback()
    if attempts.expire_if_due(attempts.get_attempt(attempt_id, lock=True)):
        db.session.commit()
    else:
        db.session.rollback()


@blp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@api_auth(TRAINEE)
@blp.response(200, ResultSchema)
def submit(attempt_id):
    """Submit: the theory part is graded by the server; a second submit returns the same
    result."""
    user = current_api_user()
    return already_dumped(result_payload(attempts.submit(user, attempt_id), user))


@blp.route("/attempts/<int:attempt_id>/practical-score", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.arguments(PracticalScoreSchema)
@blp.response(200, ResultSchema)
def practical_score(args, attempt_id):
    """Score the practical part against the rubric (the course's instructors only)."""
    user = current_api_user()
    attempt = attempts.score_practical(user, attempt_id, args["criteria"], args.get("comment"))
    return result_payload(attempt, user)
