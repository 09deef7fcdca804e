"""Account pages: registration, login, logout, password change, staff administration."""

from sqlalchemy import func, select

from accounts.models import User
from core.extensions import db
from tests.factories import PASSWORD, api_headers, csrf_token, login


def form(client, path, **fields):
    return {"csrf_token": csrf_token(client, path), **fields}


def test_register_page_creates_a_trainee_and_logs_in(client):
    data = form(client, "/register", name="王军", id_number="11010519491231002X",
                phone="13900139000", region_code="330105", key_groups=["laid_off"],
                email="wang@example.cn", password="long-enough-1", confirm="long-enough-1",
                consent="y")
    response = client.post("/register", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/menu")
    page = client.get("/account").get_data(as_text=True)
    assert "王军" in page and "11010519491231002X" in page  # the holder sees their own number


def test_register_page_shows_id_error_and_writes_nothing(client):
    data = form(client, "/register", name="王军", id_number="110105194912310021",
                phone="13900139000", region_code="330105", email="wang@example.cn",
                password="long-enough-1", confirm="long-enough-1", consent="y")
    response = client.post("/register", data=data)
    assert response.status_code == 422
    assert "校验码不正确" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_forms_without_csrf_are_refused(client):
    response = client.post("/register", data={"name": "x", "id_number": "11010519491231002X",
                                              "phone": "13900139000", "region_code": "330105",
                                              "email": "w@example.cn", "password": "long-enough-1",
                                              "confirm": "long-enough-1"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_login_wrong_password_then_right(client, trainee):
    bad = client.post("/login", data=form(client, "/login", email=trainee.email,
                                          password="wrong-password"))
    assert bad.status_code == 401 and "账号或密码错误" in bad.get_data(as_text=True)
    login(client, trainee)
    assert trainee.name in client.get("/").get_data(as_text=True)


def test_login_refuses_offsite_next(client, trainee):
    response = client.post("/login?next=https://evil.example/x",
                           data=form(client, "/login", email=trainee.email, password=PASSWORD))
    assert response.headers["Location"] == "/"


def test_logout(client, trainee):
    login(client, trainee)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert client.get("/my/courses").status_code == 302


def test_password_change_signs_out_tokens(client, trainee):
    headers = api_headers(client, trainee)
    login(client, trainee)
    response = client.post("/account", data=form(
        client, "/account", current_password=PASSWORD, new_password="new-password-2",
        confirm="new-password-2"))
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/account").status_code == 200  # this session was renewed
    assert client.post("/api/v1/auth/token", json={"email": trainee.email,
                                                   "password": "new-password-2"}).status_code == 200


def test_password_change_wrong_current(client, trainee):
    login(client, trainee)
    response = client.post("/account", data=form(
        client, "/account", current_password="not-it-at-all", new_password="new-password-2",
        confirm="new-password-2"))
    assert response.status_code == 422
    db.session.refresh(trainee)
    assert trainee.check_password(PASSWORD)


def test_admin_creates_staff_account(client, make_user):
    admin = make_user("admin")
    login(client, admin)
    response = client.post("/admin/users", data=form(
        client, "/admin/users", role="officer", name="周敏", email="zhou@hrss.example.cn",
        password="officer-pass-1", organisation=""))
    assert response.status_code == 302
    created = db.session.scalar(select(User).where(User.email == "zhou@hrss.example.cn"))
    assert created.role == "officer" and created.check_password("officer-pass-1")


def test_admin_page_is_admin_only(client, officer, trainee):
    for user in (officer, trainee):
        login(client, user)
        assert client.get("/admin/users").status_code == 403
        client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert client.get("/admin/users").status_code == 302  # anonymous: to the login page


def test_trainee_id_is_masked_for_other_roles_in_pages(client, trainee, officer):
    login(client, officer)
    assert trainee.profile.id_number not in client.get("/").get_data(as_text=True)
