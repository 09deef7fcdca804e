"""Chinese pages punctuate in Chinese: a label and its value are joined by the full-width colon
(出勤：…, 剩余时间：…, 平台：…) and an inline list by "；", where an ASCII colon beside translated
text read "出勤: …". English pages keep ": "."""

import re

from core.extensions import db
from tests import factories
from tests.exams.helpers import setup_exam

ASCII_AFTER_HANZI = re.compile(r"[\u4e00-\u9fff][:;] ")


def _text(response) -> str:
    html = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", "", body)


def test_labels_and_lists_use_chinese_punctuation(client, instructor, trainee):
    platform = factories.make_platform(name="抖音")
    exam = setup_exam(instructor, trainee, practical=True)
    course = exam.course
    course.platform_id = platform.id
    db.session.commit()
    factories.login(client, trainee)
    pages = {f"/attendance/courses/{course.id}": "出勤：", "/menu": "平台：抖音",
             f"/exams/{exam.id}": "；实操不低于"}
    for path, expected in pages.items():
        text = _text(client.get(path))
        assert expected in text, path
        assert ASCII_AFTER_HANZI.findall(text) == [], path
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert "Attendance: " in _text(client.get(f"/attendance/courses/{course.id}"))
