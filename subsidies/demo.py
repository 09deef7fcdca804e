"""Demo: the national default policy (DESIGN.md), loaded before the exams demo so that its
passed attempt issues a certificate and opens a claim through the signals."""

from datetime import date

from subsidies import bank, policies

# Bank cards for the first two demo trainees (UnionPay test numbers, Luhn-valid); nobody else has
# one yet, so 孙晓梅's approved claim (reports demo) shows why it cannot be batched.
DEMO_CARDS = (("中国农业银行", "6200000000000005"), ("中国工商银行", "6205500000000000004"))


def load(ctx: dict) -> None:
    officer = ctx["users"]["officer"]
    ctx["subsidy_policy"] = policies.create_policy(officer, {
        "name": "全国职业技能培训补贴默认标准", "region_prefix": "",
        "effective_from": date(2025, 1, 1), "effective_to": None,
        "settings": policies.default_settings()})
    for trainee, (bank_name, number) in zip(ctx.get("trainees", [])[:2], DEMO_CARDS,
                                            strict=False):
        bank.set_account(trainee, bank_name, number)
