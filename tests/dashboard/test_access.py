"""Who may open the pages this lane added: role x page -> status."""

from datetime import timedelta

import pytest

from attendance.models import OfflineSession
from core.extensions import db
from core.timeutil import now_utc
from exams.models import PracticalTask, Question
from tests import factories
from tests.exams.helpers import make_bank

ROLES = ("anonymous", "trainee", "instructor", "other_instructor", "officer", "enterprise",
         "admin")
PAGES = [
    ("/attendance/offline/{klass}/screen", {"*": 403, "anonymous": 302, "instructor": 200}),
    ("/teach/questions/{question}", {"*": 403, "anonymous": 302, "instructor": 200}),
    ("/teach/banks/{bank}/tasks/new", {"*": 403, "anonymous": 302, "instructor": 200}),
    ("/teach/banks/{bank}/tasks/{task}", {"*": 403, "anonymous": 302, "instructor": 200}),
    ("/admin/users?q=x&page=999999999", {"*": 403, "anonymous": 302, "admin": 200}),
    ("/", {"*": 200}),
]


@pytest.fixture
def world(make_user):
    users = {role: make_user(role) for role in ("trainee", "instructor", "officer",
                                                  "enterprise", "admin")}
    users["other_instructor"] = make_user("instructor")
    course = factories.make_course(users["instructor"], mode="offline")
    factories.enrol(users["trainee"], course)
    start = now_utc() - timedelta(minutes=5)
    klass = OfflineSession(course_id=course.id, title="课", starts_at=start,
                           ends_at=start + timedelta(hours=1), code_key="f" * 64)
    bank = make_bank(users["instructor"], course.occupation)
    task = PracticalTask(bank_id=bank.id, title="实操", instructions="",
                         rubric=[{"criterion": "a", "max_points": 10, "descriptor": ""}])
    db.session.add_all([klass, task])
    db.session.commit()
    return {"users": users, "klass": klass.id, "bank": bank.id, "task": task.id,
            "question": db.session.scalars(db.select(Question.id)).first()}


@pytest.mark.parametrize("role", ROLES)
def test_pages(client, world, role):
    if role != "anonymous":
        factories.login(client, world["users"][role])
    for path, table in PAGES:
        url = path.format(**world)
        assert client.get(url).status_code == table.get(role, table["*"]), (role, url)
