"""PUT /api/v1/me/bank-account and its page: validated, stored, masked, audited."""

import pytest

from core.audit import AuditLog
from core.extensions import db
from subsidies.models import BankAccount
from tests import factories
from tests.subsidies.conftest import CARDS


@pytest.fixture
def trainee_headers(client, trainee):
    return factories.api_headers(client, trainee)


def _luhn_ok(number: str) -> bool:
    """An independent Luhn (ISO/IEC 7812-1 annex B) to check the test numbers themselves."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


@pytest.mark.parametrize("number", CARDS)
def test_good_cards_are_stored(client, trainee, trainee_headers, number):
    assert _luhn_ok(number)
    spaced = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
    response = client.put("/api/v1/me/bank-account", json={
        "bank_name": "中国农业银行", "account_number": spaced}, headers=trainee_headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["account_number"] == number and body["kind"] == "card"
    assert body["account_masked"].endswith(number[-4:]) and number[:6] not in \
        body["account_masked"]
    row = db.session.get(BankAccount, trainee.id)
    assert (row.bank_name, row.account_number) == ("中国农业银行", number)
    got = client.get("/api/v1/me/bank-account", headers=trainee_headers).get_json()
    assert got["account_number"] == number


def test_bank_account_number_without_luhn(client, trainee, trainee_headers):
    ok = client.put("/api/v1/me/bank-account", json={
        "bank_name": "浙江农商银行", "account_number": "201000123456789012345",
        "kind": "account"}, headers=trainee_headers)
    assert ok.status_code == 200 and ok.get_json()["kind"] == "account"
    # 12 digits, not a card length: an account
    short = client.put("/api/v1/me/bank-account", json={
        "bank_name": "浙江农商银行", "account_number": "123456789012"}, headers=trainee_headers)
    assert short.status_code == 200 and short.get_json()["kind"] == "account"


@pytest.mark.parametrize("number, field", [
    ("6200000000000006", "account_number"),      # bad Luhn check digit
    ("62000000000000O5", "account_number"),      # a letter O for a zero
    ("6200-0000-0000-0005", "account_number"),   # hyphens are not digits
    ("12345678901", "account_number"),           # too short
    ("1" * 31, "account_number"),                # too long
    ("６２００００００００００００００５", "account_number"),  # full-width digits
    ("", "account_number"),
])
def test_bad_numbers_are_refused_and_nothing_changes(client, trainee, trainee_headers,
                                                     number, field):
    client.put("/api/v1/me/bank-account", json={
        "bank_name": "中国农业银行", "account_number": CARDS[0]}, headers=trainee_headers)
    response = client.put("/api/v1/me/bank-account", json={
        "bank_name": "中国银行", "account_number": number}, headers=trainee_headers)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    db.session.expire_all()
    row = db.session.get(BankAccount, trainee.id)
    assert (row.bank_name, row.account_number) == ("中国农业银行", CARDS[0])


def test_card_kind_enforces_luhn_and_length(client, trainee_headers):
    long_card = client.put("/api/v1/me/bank-account", json={
        "bank_name": "x", "account_number": "1" * 24, "kind": "card"}, headers=trainee_headers)
    assert long_card.status_code == 422
    missing_bank = client.put("/api/v1/me/bank-account", json={
        "bank_name": " ", "account_number": CARDS[0]}, headers=trainee_headers)
    assert "bank_name" in missing_bank.get_json()["error"]["fields"]
    unknown = client.put("/api/v1/me/bank-account", json={
        "bank_name": "x", "account_number": CARDS[0], "iban": "x"}, headers=trainee_headers)
    assert unknown.status_code == 422


def test_only_trainees_and_change_is_audited_masked(client, trainee, trainee_headers, officer):
    officer_headers = factories.api_headers(client, officer)
    assert client.put("/api/v1/me/bank-account", json={
        "bank_name": "x", "account_number": CARDS[0]}, headers=officer_headers).status_code == 403
    assert client.put("/api/v1/me/bank-account", json={
        "bank_name": "x", "account_number": CARDS[0]}).status_code == 401
    assert client.get("/api/v1/me/bank-account", headers=trainee_headers).status_code == 404
    for number in (CARDS[0], CARDS[1]):
        client.put("/api/v1/me/bank-account", json={"bank_name": "中国农业银行",
                                                     "account_number": number},
                   headers=trainee_headers)
    rows = db.session.scalars(db.select(AuditLog).where(
        AuditLog.action == "bank_account.set").order_by(AuditLog.id)).all()
    assert len(rows) == 2 and rows[1].actor_id == trainee.id
    assert rows[1].before["account"].endswith(CARDS[0][-4:])
    text = repr([r.before for r in rows]) + repr([r.after for r in rows])
    assert CARDS[0] not in text and CARDS[1] not in text  # the audit holds masked numbers


def test_bank_account_page(app, trainee):
    client = app.test_client()
    factories.login(client, trainee)
    page = client.get("/my/subsidies/bank-account").get_data(as_text=True)
    assert 'inputmode="numeric"' in page
    token = factories.csrf_token(client, "/my/subsidies/bank-account")
    bad = client.post("/my/subsidies/bank-account", data={
        "csrf_token": token, "bank_name": "中国农业银行", "account_number": "6200000000000006"})
    assert bad.status_code == 422
    assert db.session.get(BankAccount, trainee.id) is None
    good = client.post("/my/subsidies/bank-account", data={
        "csrf_token": token, "bank_name": "中国农业银行", "account_number": CARDS[0]})
    assert good.status_code == 302
    mine = client.get("/my/subsidies").get_data(as_text=True)
    assert "************0005" in mine and CARDS[0] not in mine
