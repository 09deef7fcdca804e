"""Password resets: by an officer after checking identity, or by an emailed link (issue 14.4)."""

import email
import email.policy
import re

from sqlalchemy import select

from accounts import service
from accounts.mail import outbox
from core.audit import AuditLog
from core.extensions import db
from tests.factories import PASSWORD, csrf_token, login, make_user


def test_officer_finds_trainee_sets_temporary_password_and_trainee_must_change(
        app, client, trainee, officer):
    login(client, officer)
    page = client.get(f"/accounts/reset?q={trainee.phone}").get_data(as_text=True)
    assert trainee.name in page and trainee.profile.id_number in page
    response = client.post(f"/accounts/reset/{trainee.id}",
                           data={"csrf_token": csrf_token(client, "/accounts/reset")})
    assert response.status_code == 200
    temporary = re.search(r'class="temporary-password"><strong>([^<]+)<',
                          response.get_data(as_text=True)).group(1)
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "user.password_reset"))
    assert temporary not in str(db.session.scalars(select(AuditLog.after)).all())

    person = app.test_client()
    assert person.post("/api/v1/auth/token", json={"login": trainee.phone,
                                                   "password": PASSWORD}).status_code == 401
    api = person.post("/api/v1/auth/token", json={"login": trainee.phone, "password": temporary})
    assert api.status_code == 403
    assert api.get_json()["error"]["code"] == "password_change_required"
    login(person, trainee, password=temporary)
    assert person.get("/menu").headers["Location"].endswith("/account")
    assert person.get("/api/v1/me").status_code == 401
    response = person.post("/account", data={
        "csrf_token": csrf_token(person, "/account"), "current_password": temporary,
        "new_password": "my-own-phrase-9", "confirm": "my-own-phrase-9"})
    assert response.status_code == 302
    assert person.get("/menu").status_code == 200
    assert person.get("/api/v1/me").status_code == 200
    db.session.refresh(trainee)
    assert not trainee.must_change_password and trainee.check_password("my-own-phrase-9")


def test_reset_search_is_for_officers_and_admins_only(client, trainee, instructor):
    login(client, instructor)
    assert client.get("/accounts/reset?q=x").status_code == 403
    assert client.post(f"/accounts/reset/{trainee.id}",
                       data={"csrf_token": csrf_token(client, "/account")}).status_code == 403
    login(client, trainee)
    assert client.get("/accounts/reset").status_code == 403


def test_officer_cannot_reset_staff(client, officer):
    other = make_user("officer")
    login(client, officer)
    response = client.post(f"/accounts/reset/{other.id}",
                           data={"csrf_token": csrf_token(client, "/accounts/reset")})
    assert response.status_code == 404
    db.session.refresh(other)
    assert other.check_password(PASSWORD) and not other.must_change_password


def _mails():
    folder = outbox()
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_email_reset_link_works_once(app, client, trainee):
    before = len(_mails())
    response = client.post("/password/forgot", data={
        "csrf_token": csrf_token(client, "/password/forgot"), "email": trainee.email})
    assert response.status_code == 302
    mails = _mails()
    assert len(mails) == before + 1
    message = email.message_from_bytes(mails[-1].read_bytes(), policy=email.policy.default)
    assert message["To"] == trainee.email
    text = message.get_content()
    link = re.search(r"http://localhost(/password/reset/\S+)", text).group(1)
    assert client.get(link).status_code == 200
    data = {"csrf_token": csrf_token(client, link), "password": "fresh-phrase-77",
            "confirm": "fresh-phrase-77"}
    assert client.post(link, data=data).status_code == 302
    db.session.refresh(trainee)
    assert trainee.check_password("fresh-phrase-77")
    assert client.get(link).status_code == 404  # single use
    assert client.post(link, data=data).status_code == 404


def test_email_reset_for_unknown_email_says_the_same_and_sends_nothing(client):
    before = len(_mails())
    response = client.post("/password/forgot", data={
        "csrf_token": csrf_token(client, "/password/forgot"), "email": "nobody@example.test"})
    assert response.status_code == 302
    assert len(_mails()) == before


def test_reset_token_expires_and_tampering_fails(client, trainee, monkeypatch):
    token = service.reset_token(trainee)
    assert service.user_for_reset_token(token) == trainee
    # A changed character inside the signature (the last base64 character carries spare bits:
    # "…xw" → "…xx" could decode to the same bytes, which failed this test once in ~1,000 runs).
    at = len(token) - 6
    tampered = token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1:]
    assert service.user_for_reset_token(tampered) is None
    monkeypatch.setattr(service, "RESET_MAX_AGE", -1)
    assert service.user_for_reset_token(token) is None
    assert client.get(f"/password/reset/{token}").status_code == 404


def test_reset_link_refuses_a_common_password(client, trainee):
    token = service.reset_token(trainee)
    link = f"/password/reset/{token}"
    response = client.post(link, data={"csrf_token": csrf_token(client, link),
                                        "password": "qwertyuiop", "confirm": "qwertyuiop"})
    assert response.status_code == 422
    db.session.refresh(trainee)
    assert trainee.check_password(PASSWORD)


def test_region_limited_officer_resets_only_trainees_of_their_regions(client, officer):
    """沈玲 works for 嘉兴市 (330400): she neither finds nor resets a trainee of 长沙市."""
    from accounts import scope
    scope.set_regions(None, officer, ["330400"])
    local = make_user("trainee", name="本地学员", region_code="330482")
    elsewhere = make_user("trainee", name="外地学员", region_code="430102")
    db.session.commit()
    before = elsewhere.password_hash
    login(client, officer)
    page = client.get(f"/accounts/reset?q={elsewhere.phone}").get_data(as_text=True)
    assert elsewhere.name not in page
    assert local.name in client.get(f"/accounts/reset?q={local.phone}").get_data(as_text=True)
    response = client.post(f"/accounts/reset/{elsewhere.id}",
                           data={"csrf_token": csrf_token(client, "/accounts/reset")})
    assert response.status_code == 403
    db.session.refresh(elsewhere)
    assert elsewhere.password_hash == before and not elsewhere.must_change_password
    assert not db.session.scalar(select(AuditLog).where(AuditLog.action == "user.password_reset"))
    response = client.post(f"/accounts/reset/{local.id}",
                           data={"csrf_token": csrf_token(client, "/accounts/reset")})
    assert response.status_code == 200


def test_region_limited_officer_finds_namesakes_of_their_regions_only(client, officer):
    from accounts import scope
    scope.set_regions(None, officer, ["330400"])
    for _i in range(21):  # more namesakes elsewhere than one page of results
        make_user("trainee", name="张伟", region_code="430102")
    local = make_user("trainee", name="张伟", region_code="330482")
    db.session.commit()
    found = service.find_trainees("张伟", officer)
    assert [u.id for u in found] == [local.id]
