"""Accounts API: registration, tokens, the caller."""

from sqlalchemy import func, select

from accounts.models import TraineeProfile, User
from core.audit import AuditLog
from core.extensions import db
from tests.factories import PASSWORD, api_headers, valid_id_number


def registration(**overrides):
    body = {"email": "li.chunhua@example.cn", "password": "long-enough-1", "name": "李春花",
            "id_number": "11010519491231002X", "phone": "13800138000", "region_code": "430102",
            "key_groups": ["rural_migrant", "poverty_registered"], "consent": True}
    body.update(overrides)
    return body


def users_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_register_trainee(client):
    response = client.post("/api/v1/trainees", json=registration())
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"] > 0 and body["role"] == "trainee" and body["name"] == "李春花"
    assert body["id_masked"] == "1101**********002X"
    assert "11010519491231002X" not in response.get_data(as_text=True)
    profile = db.session.get(TraineeProfile, body["id"])
    assert profile.id_number == "11010519491231002X"
    assert sorted(k.group for k in profile.key_groups) == ["poverty_registered", "rural_migrant"]
    assert all(k.status == "declared" for k in profile.key_groups)
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "user.registered"))


def test_register_lowercase_x_is_normalised(client):
    response = client.post("/api/v1/trainees", json=registration(id_number="11010519491231002x"))
    assert response.status_code == 201
    assert db.session.scalar(select(TraineeProfile.id_number)) == "11010519491231002X"


def test_invalid_id_number_is_422_with_field_and_writes_nothing(client):
    for bad in ("110105194912310021", "11010519491231002", "99010519491231002X",
                "ABCDEFGHIJKLMNOPQR"):
        response = client.post("/api/v1/trainees", json=registration(id_number=bad))
        assert response.status_code == 422, bad
        error = response.get_json()["error"]
        assert error["code"] == "validation_error"
        assert "id_number" in error["fields"]
    assert users_count() == 0


def test_duplicate_email_or_id_number_is_409(client):
    assert client.post("/api/v1/trainees", json=registration()).status_code == 201
    same_id = client.post("/api/v1/trainees", json=registration(email="other@example.cn"))
    assert same_id.status_code == 409
    assert "id_number" in same_id.get_json()["error"]["fields"]
    same_email = client.post("/api/v1/trainees", json=registration(id_number=valid_id_number()))
    assert same_email.status_code == 409
    assert "email" in same_email.get_json()["error"]["fields"]
    assert users_count() == 1


def test_registration_bad_input(client):
    cases = [
        registration(key_groups=["astronaut"]),
        registration(region_code="999999"),
        registration(phone="12ab"),
        registration(password="short"),
        registration(name="名" * 101),
        {**registration(), "role": "officer"},  # unknown field: nobody self-registers as staff
        {"email": "x@example.cn"},
    ]
    for body in cases:
        response = client.post("/api/v1/trainees", json=body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["fields"]
    assert users_count() == 0


def test_token_me_and_revoke(client, trainee):
    response = client.post("/api/v1/auth/token", json={"email": trainee.email,
                                                       "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"] == {"id": trainee.id, "role": "trainee", "name": trainee.name}
    headers = {"Authorization": f"Bearer {body['token']}"}
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["id"] == trainee.id and me["role"] == "trainee" and me["name"] == trainee.name
    assert me["id_number"] == trainee.profile.id_number  # the holder sees their own
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_wrong_credentials_are_401(client, trainee):
    for body in ({"email": trainee.email, "password": "nope-nope"},
                 {"email": "nobody@example.cn", "password": PASSWORD}):
        response = client.post("/api/v1/auth/token", json=body)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_unauthenticated_and_bad_tokens_are_401(client):
    assert client.get("/api/v1/me").status_code == 401
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    assert bad.get_json()["error"]["code"] == "unauthenticated"


def test_expired_token_is_401(app, client, trainee):
    headers = api_headers(client, trainee)
    from core.auth import ApiToken
    from core.timeutil import now_utc

    for row in db.session.scalars(select(ApiToken)):
        row.expires_at = now_utc()
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_deactivated_user_token_stops_working(client, trainee):
    headers = api_headers(client, trainee)
    trainee.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_staff_me_has_no_id_number(client, officer):
    me = client.get("/api/v1/me", headers=api_headers(client, officer)).get_json()
    assert me["role"] == "officer" and me["id_number"] is None


def test_session_cookie_writes_to_the_api_need_csrf(client, trainee):
    from tests.factories import login

    login(client, trainee)
    # a cookie-authenticated write without the X-CSRFToken header is refused
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
