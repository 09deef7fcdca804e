"""Demo: the national default policy (DESIGN.md), loaded before the exams demo so that its
passed attempt issues a certificate and opens a claim through the signals."""

from datetime import date

from subsidies import policies


def load(ctx: dict) -> None:
    officer = ctx["users"]["officer"]
    ctx["subsidy_policy"] = policies.create_policy(officer, {
        "name": "全国职业技能培训补贴默认标准", "region_prefix": "",
        "effective_from": date(2025, 1, 1), "effective_to": None,
        "settings": policies.default_settings()})
