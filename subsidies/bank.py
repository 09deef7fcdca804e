"""Trainees' bank accounts for subsidy payments: validated, stored once, masked when shown."""

from flask_babel import gettext as _
from stdnum import luhn

from accounts.models import User
from core.audit import record
from core.auth import TRAINEE
from core.errors import Invalid
from core.extensions import db
from subsidies.models import BankAccount

CARD_LENGTHS = range(16, 20)  # bank cards (银行卡), incl. the social security card's account
ACCOUNT_LENGTHS = range(12, 31)  # other bank account numbers


def clean_number(raw: str | None) -> str:
    """People copy numbers with spaces (6222 0212 ...): those go, nothing else is forgiven."""
    return "".join((raw or "").split())


def validate(bank_name: str | None, account_number: str | None,
             kind: str | None = None) -> tuple[str, str, str]:
    """(bank name, digits, kind) or Invalid with the fields at fault.

    A number of 16-19 digits is a card unless `kind` says "account"; cards must pass the Luhn
    check (ISO/IEC 7812), which catches a mistyped digit before the bank refuses the payment.
    """
    fields: dict = {}
    name = (bank_name or "").strip()
    if not name:
        fields["bank_name"] = [_("Give the bank's name, e.g. 中国农业银行.")]
    elif len(name) > 100:
        fields["bank_name"] = [_("At most 100 characters.")]
    number = clean_number(account_number)
    if kind not in (None, "card", "account"):
        fields["kind"] = [_("Use card or account.")]
    if not number:
        fields["account_number"] = [_("Give the card or account number.")]
    elif not (number.isascii() and number.isdigit()):
        fields["account_number"] = [_("Digits only.")]
    else:
        if kind is None:
            kind = "card" if len(number) in CARD_LENGTHS else "account"
        if kind == "card":
            if len(number) not in CARD_LENGTHS:
                fields["account_number"] = [_("A bank card number has 16 to 19 digits.")]
            elif not luhn.is_valid(number):
                fields["account_number"] = [
                    _("This card number is not valid: check the digits (Luhn check).")]
        elif len(number) not in ACCOUNT_LENGTHS:
            fields["account_number"] = [_("A bank account number has 12 to 30 digits.")]
    if fields:
        raise Invalid(_("The bank account is not valid."), fields=fields)
    return name, number, kind


def account_of(user_id: int) -> BankAccount | None:
    return db.session.get(BankAccount, user_id)


def set_account(trainee: User, bank_name: str | None, account_number: str | None,
                kind: str | None = None) -> BankAccount:
    """Create or replace the trainee's account; audited with masked numbers only."""
    if trainee.role != TRAINEE:
        raise Invalid(_("Only trainees have a payment account."))
    name, number, kind = validate(bank_name, account_number, kind)
    row = account_of(trainee.id)
    before = None if row is None else {"bank_name": row.bank_name, "account": row.masked,
                                       "kind": row.kind}
    if row is None:
        row = BankAccount(user_id=trainee.id, bank_name=name, account_number=number, kind=kind)
        db.session.add(row)
    else:
        row.bank_name, row.account_number, row.kind = name, number, kind
    db.session.flush()
    record(trainee, "bank_account.set", ("BankAccount", trainee.id), before=before,
           after={"bank_name": name, "account": row.masked, "kind": kind})
    return row


def payload(row: BankAccount | None, full: bool) -> dict | None:
    """The account for the API: the number in full only for the holder and officers in scope."""
    if row is None:
        return None
    out = {"bank_name": row.bank_name, "kind": row.kind, "account_masked": row.masked}
    if full:
        out["account_number"] = row.account_number
    return out
