"""Who may open what: role x endpoint -> status, for pages and the API."""

import pytest

from tests import factories
from tests.factories import api_headers, login

ROLES = ("anonymous", "trainee", "instructor", "officer", "enterprise", "admin")

# (method, path, {role: expected status}); roles not listed expect the `*` entry.
PAGES = [
    ("GET", "/", {"*": 200}),
    ("GET", "/menu", {"*": 200}),
    ("GET", "/courses/{course}", {"*": 200}),
    ("GET", "/courses/{draft}", {"*": 404, "instructor": 200, "officer": 200, "admin": 200}),
    ("GET", "/my/courses", {"*": 403, "anonymous": 302, "trainee": 200}),
    ("GET", "/teach", {"*": 403, "anonymous": 302, "instructor": 200}),
    ("GET", "/teach/courses/new", {"*": 403, "anonymous": 302, "instructor": 200}),
    ("GET", "/teach/courses/{course}", {"*": 403, "anonymous": 302, "instructor": 200}),
    ("GET", "/menu-admin/", {"*": 403, "anonymous": 302, "officer": 200}),
    ("GET", "/admin/users", {"*": 403, "anonymous": 302, "admin": 200}),
    ("GET", "/admin/officer-regions", {"*": 403, "anonymous": 302, "admin": 200}),
    ("GET", "/my/subsidies/bank-account", {"*": 403, "anonymous": 302, "trainee": 200}),
    ("GET", "/subsidies/batches", {"*": 403, "anonymous": 302, "officer": 200, "admin": 200}),
    ("GET", "/account", {"*": 200, "anonymous": 302}),
    ("GET", "/accounts/reset?q=1", {"*": 403, "anonymous": 302, "officer": 200, "admin": 200}),
    ("GET", "/privacy", {"*": 200}),
    ("GET", "/password/forgot", {"*": 200}),
    ("GET", "/regions.json?parent=330000", {"*": 200}),
]
API = [
    ("GET", "/api/v1/menu", {"*": 200}),
    ("GET", "/api/v1/platforms", {"*": 200}),
    ("GET", "/api/v1/occupations", {"*": 200}),
    ("GET", "/api/v1/me", {"*": 200, "anonymous": 401}),
    ("GET", "/api/v1/me/enrolments", {"*": 403, "anonymous": 401, "trainee": 200}),
    ("POST", "/api/v1/courses", {"*": 403, "anonymous": 401, "instructor": 422}),
    ("POST", "/api/v1/courses/{course}/publish", {"*": 403, "anonymous": 401,
                                                  "instructor": 200}),
    ("POST", "/api/v1/courses/{course}/enrolments", {"*": 403, "anonymous": 401,
                                                     "trainee": 201}),
    ("PUT", "/api/v1/me/bank-account", {"*": 403, "anonymous": 401, "trainee": 422}),
    ("GET", "/api/v1/payment-batches", {"*": 403, "anonymous": 401, "officer": 200,
                                        "admin": 200}),
]


@pytest.fixture
def world(instructor):
    course = factories.make_course(instructor)
    draft = factories.make_course(instructor, published=False)
    users = {role: factories.make_user(role) for role in ROLES[1:] if role != "instructor"}
    users["instructor"] = instructor
    return {"course": course.id, "draft": draft.id, "users": users}


def expected(table: dict, role: str) -> int:
    return table.get(role, table["*"])


@pytest.mark.parametrize("role", ROLES)
def test_pages(client, world, role):
    if role != "anonymous":
        login(client, world["users"][role])
    for method, path, table in PAGES:
        url = path.format(**world)
        response = client.open(url, method=method)
        assert response.status_code == expected(table, role), (role, method, url)


@pytest.mark.parametrize("role", ROLES)
def test_api(client, world, role):
    headers = api_headers(client, world["users"][role]) if role != "anonymous" else {}
    for method, path, table in API:
        url = path.format(**world)
        response = client.open(url, method=method, headers=headers,
                               json={} if method in ("POST", "PUT") else None)
        assert response.status_code == expected(table, role), (role, method, url,
                                                               response.get_json())
