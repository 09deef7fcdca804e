"""The exam hot paths stay flat: start, save and submit run a fixed, small number of SQL
statements however many questions the paper has (no N+1)."""

from sqlalchemy import event

from core.extensions import db
from exams import autosave
from exams.models import AttemptItem, Question
from tests import factories
from tests.exams.helpers import correct_answer, make_bank, make_exam
from tests.factories import count_statements


def _exam(instructor, trainee, questions_per_type: int):
    course = factories.make_course(instructor, required_hours=2)
    factories.grant_attendance(trainee, course, course.required_minutes)
    bank = make_bank(instructor, course.occupation, copies=questions_per_type)
    return make_exam(instructor, course, bank=bank,
                     blueprint=[{"count": 4 * questions_per_type}])


def _flow_counts(client, instructor, trainee, questions_per_type: int) -> dict:
    exam = _exam(instructor, trainee, questions_per_type)
    headers = factories.api_headers(client, trainee)
    url = f"/api/v1/exams/{exam.id}/attempts"  # outside the count: the test's own read
    with count_statements() as start:
        response = client.post(url, headers=headers)
    assert response.status_code == 201, response.get_json()
    paper = response.get_json()
    assert len(paper["questions"]) == 4 * questions_per_type
    saves = []
    for question in paper["questions"]:
        with count_statements() as save:
            response = client.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/"
                                  f"{question['id']}", headers=headers,
                                  json={"answer": correct_answer(question)})
        assert response.status_code == 200, response.get_json()
        saves.append(len(save))
    with count_statements() as submit:
        response = client.post(f"/api/v1/attempts/{paper['attempt_id']}/submit",
                               headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["theory_score"] == 100
    stored = db.session.scalars(db.select(AttemptItem.answer).where(
        AttemptItem.attempt_id == paper["attempt_id"])).all()
    assert all(answer is not None for answer in stored)
    return {"start": len(start), "save": max(saves), "submit": len(submit),
            "statements": {"start": start, "submit": submit}}


def test_start_save_and_submit_run_the_same_few_statements_for_4_or_16_questions(
        client, instructor, trainee):
    small = _flow_counts(client, instructor, trainee, 1)
    large = _flow_counts(client, instructor, factories.make_user("trainee"), 4)
    for step in ("start", "save", "submit"):
        assert large[step] == small[step], (step, small[step], large[step])
    # token with its user, exam with its course, enrolment, the stored attendance row (one
    # SELECT: the gate does not recompute from lesson progress, check-ins or live events), the
    # trainee's standing (attempts used, open, passed, and the override: one SELECT), question
    # ids, the picked questions, 2 INSERTs + audit; the paper is built from the picked
    # questions, not read back. 19 statements before the stored summary, 15 after, 11 then
    # 10 since (issue 15).
    assert large["start"] <= 10, "\n".join(s[:70] for s in large["statements"]["start"])
    assert not [s for s in large["statements"]["start"] if s.startswith("SELECT exam_overrides")]
    assert not [s for s in large["statements"]["start"] if s.startswith("SELECT courses.")]
    recomputing = [s for s in large["statements"]["start"] if s.startswith((
        "SELECT lesson_progress.", "SELECT offline_checkins.", "SELECT live_events.",
        "SELECT lessons."))]
    assert not recomputing, recomputing
    inserts = [s for s in large["statements"]["start"] if s.startswith("INSERT INTO attempt_items")]
    assert len(inserts) == 1  # the whole paper in one statement, not one per row:
    assert inserts[0].count("), (") == 15, inserts[0][:300]  # a VALUES group per question
    # the draw reads no tags when no blueprint entry names one (a JSON decode per question of
    # the bank), and the exam's course comes without its occupation and provider
    assert not [s for s in large["statements"]["start"] if "questions.tags" in s]
    assert not [s for s in large["statements"]["start"]
                if " occupations" in s or " platforms" in s or " institutions" in s]
    # submit: one read of the items with their questions, one UPDATE of all their grades
    item_reads = [s for s in large["statements"]["submit"]
                  if s.startswith("SELECT attempt_items.")]
    assert len(item_reads) == 1
    awards = [s for s in large["statements"]["submit"] if s.startswith("UPDATE attempt_items")]
    assert len(awards) == 1 and "CASE" in awards[0], awards
    assert not [s for s in large["statements"]["submit"] if s.startswith("SELECT questions.")]
    # the attempt is read with its exam and written once: token, attempt + exam, items, grades,
    # audit, the attempt's UPDATE (SQLite adds its write lock). A pass then issues the
    # certificate and opens the claim in the same transaction (counted apart).
    graded = large["statements"]["submit"]
    attempt_writes = [i for i, s in enumerate(graded) if s.startswith("UPDATE attempts SET")
                      and not s.startswith("UPDATE attempts SET id")]
    assert len(attempt_writes) == 1, attempt_writes
    grading = graded[:attempt_writes[0] + 1]
    assert not [s for s in grading if s.startswith("SELECT exams.")]
    assert len(grading) <= 7, "\n".join(s[:70] for s in grading)


def test_a_save_is_one_read_and_one_update_that_checks_owner_status_and_deadline(
        client, instructor, trainee):
    exam = _exam(instructor, trainee, 1)
    headers = factories.api_headers(client, trainee)
    paper = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).get_json()
    question = next(q for q in paper["questions"] if q["type"] == "fill_in")
    url = f"/api/v1/attempts/{paper['attempt_id']}/answers/{question['id']}"
    autosave._shapes.clear()  # question ids repeat from test to test
    with count_statements() as save:
        assert client.put(url, headers=headers, json={"answer": "FAB"}).status_code == 200
    # SQLite also takes its write lock first (a no-op UPDATE of the attempt, exams/autosave.py)
    lock = [s for s in save if s.startswith("UPDATE attempts SET id")]
    assert len(lock) <= 1 and len(save) - len(lock) <= 4  # token, user, the read, the UPDATE
    updates = [s for s in save if s.startswith("UPDATE attempt_items")]
    assert len(updates) == 1
    where = updates[0].split("WHERE", 1)[1]
    for column in ("attempt_id", "question_id", "trainee_id", "status", "deadline"):
        assert column in where, where
    first_saved_at = db.session.scalar(db.select(AttemptItem.saved_at).where(
        AttemptItem.attempt_id == paper["attempt_id"],
        AttemptItem.question_id == question["id"]))
    with count_statements() as again:  # the same answer again
        assert client.put(url, headers=headers, json={"answer": "FAB"}).status_code == 200
    if db.engine.dialect.name == "postgresql":
        # The token's user and the one UPDATE, each committed on its own (the question's
        # shape was kept from the first save): it keeps the first saved_at.
        assert len(again) == 2 and again[1].startswith("UPDATE attempt_items"), again
    else:  # the read finds the same answer: nothing written
        assert not [s for s in again if s.startswith("UPDATE attempt_items")]
    db.session.expire_all()
    stored = db.session.execute(db.select(AttemptItem.answer, AttemptItem.saved_at).where(
        AttemptItem.attempt_id == paper["attempt_id"],
        AttemptItem.question_id == question["id"])).one()
    assert tuple(stored) == ("FAB", first_saved_at)


def test_the_paper_insert_stays_under_psycopgs_cached_parameter_count(
        client, instructor, trainee):
    """psycopg caches its parsing of a statement only up to 50 parameters: the 16-question
    paper's INSERT sends the attempt once and each position in the SQL (33), where an
    executemany with RETURNING sent 64 and was parsed anew on every start."""
    exam = _exam(instructor, trainee, 4)
    headers = factories.api_headers(client, trainee)
    sent: list = []

    def before(_conn, _cursor, statement, parameters, _context, _many):
        if statement.startswith("INSERT INTO attempt_items"):
            sent.append(parameters)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert client.post(f"/api/v1/exams/{exam.id}/attempts",
                           headers=headers).status_code == 201
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert len(sent) == 1
    if db.engine.dialect.name == "postgresql":  # SQLite's positional values repeat the attempt
        assert len(sent[0]) == 33, len(sent[0])


def test_a_tagged_blueprint_entry_draws_only_questions_with_that_tag(client, instructor, trainee):
    course = factories.make_course(instructor, required_hours=2)
    factories.grant_attendance(trainee, course, course.required_minutes)
    bank = make_bank(instructor, course.occupation, copies=3)
    exam = make_exam(instructor, course, bank=bank,
                     blueprint=[{"tag": "合规", "count": 6}, {"type": "fill_in", "count": 2}])
    headers = factories.api_headers(client, trainee)
    with count_statements() as start:
        response = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers)
    assert response.status_code == 201, response.get_json()
    assert [s for s in start if "questions.tags" in s]  # read only when an entry names a tag
    drawn = {q["id"] for q in response.get_json()["questions"]}
    tags = dict(db.session.execute(db.select(Question.id, Question.tags).where(
        Question.id.in_(drawn))).all())
    assert len(drawn) == 8
    assert sum("合规" in tags[qid] for qid in drawn) == 6  # all of the bank's 合规 questions
    assert sum(q["type"] == "fill_in" for q in response.get_json()["questions"]) == 2
