"""Builders for exam tests: a bank with one question of every type, an exam, eligibility."""

from datetime import timedelta

from core.extensions import db
from core.timeutil import now_utc
from exams import banks, service
from tests import factories

QUESTIONS = [
    {"type": "single", "text": "直播间里哪种说法违反广告法？", "points": 25,
     "options": [{"text": "全网最低价", "correct": True}, {"text": "今天有优惠"},
                 {"text": "库存有限"}], "tags": ["合规"]},
    {"type": "multiple", "text": "直播前需要准备哪些？", "points": 25, "partial_credit": True,
     "options": [{"text": "灯光", "correct": True}, {"text": "收音", "correct": True},
                 {"text": "虚假好评"}], "tags": ["直播准备"]},
    {"type": "true_false", "text": "主播可以承诺“包治百病”。", "points": 25, "answers": [False],
     "tags": ["合规"]},
    {"type": "fill_in", "text": "商品讲解常用的 ___ 法则（三个字母）", "points": 25,
     "answers": ["FAB"], "tags": ["话术"]},
]
RUBRIC = [{"criterion": "商品讲解", "max_points": 40}, {"criterion": "合规", "max_points": 30},
          {"criterion": "互动答疑", "max_points": 30}]



def make_bank(instructor, occupation=None, questions=QUESTIONS, copies: int = 1):
    occupation = occupation or factories.make_occupation()
    bank = banks.create_bank(instructor, {"occupation_code": occupation.code, "level": 5,
                                          "title": "互联网营销师五级题库"})
    for n in range(copies):
        for data in questions:
            data = dict(data, text=data["text"] + ("" if n == 0 else f"（{n}）"))
            banks.add_question(instructor, bank, data)
    db.session.commit()
    return bank


def make_exam(instructor, course, bank=None, practical: bool = False, **overrides):
    bank = bank or make_bank(instructor, course.occupation)
    now = now_utc()
    data = {"title": "互联网营销师五级理论考试", "bank_id": bank.id,
            "blueprint": [{"count": 4}], "time_limit_minutes": 30,
            "opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(days=7),
            "max_attempts": 1, "pass_theory": 60, "pass_practical": 60 if practical else None,
            "rubric": RUBRIC if practical else None}
    data.update(overrides)
    exam = service.create_exam(instructor, course, data)
    db.session.commit()
    return exam


def setup_exam(instructor, trainee, practical: bool = False, attended: float = 1.0,
               **overrides):
    """A course taught by `instructor` where `trainee` is enrolled and has really attended
    `attended` of the required hours, and an open exam on it."""
    course = factories.make_course(instructor, required_hours=2)
    minutes = round(course.required_minutes * attended)
    if minutes:
        factories.grant_attendance(trainee, course, minutes)
    else:
        factories.enrol(trainee, course)
    return make_exam(instructor, course, practical=practical, **overrides)


def correct_answer(question: dict):
    """The right answer for a paper question (matched by its text to QUESTIONS)."""
    source = next(q for q in QUESTIONS if question["text"].startswith(q["text"]))
    if question["type"] == "single":
        right = next(o["text"] for o in source["options"] if o.get("correct"))
        return next(o["id"] for o in question["options"] if o["text"] == right)
    if question["type"] == "multiple":
        right = {o["text"] for o in source["options"] if o.get("correct")}
        return [o["id"] for o in question["options"] if o["text"] in right]
    if question["type"] == "true_false":
        return source["answers"][0]
    return "ｆａｂ "  # full-width and a trailing space: still right


def wrong_answer(question: dict):
    source = next(q for q in QUESTIONS if question["text"].startswith(q["text"]))
    if question["type"] == "single":
        right = next(o["text"] for o in source["options"] if o.get("correct"))
        return next(o["id"] for o in question["options"] if o["text"] != right)
    if question["type"] == "multiple":
        return [o["id"] for o in question["options"]]
    if question["type"] == "true_false":
        return not source["answers"][0]
    return "AIDA"
