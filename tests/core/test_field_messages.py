"""An API error's field messages come in the caller's language: marshmallow's own messages
were English under a Chinese top-level message."""

from sqlalchemy import func, select

from core.extensions import db
from core.field_messages import TEMPLATES, translate
from reports.models import DemandOrder
from tests.factories import api_headers, make_occupation, make_user


def _order_errors(client, headers, body):
    response = client.post("/api/v1/orders", headers=headers, json=body)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(DemandOrder)) == 0
    return response.get_json()["error"]


def test_a_chinese_caller_reads_the_field_messages_in_chinese(client):
    make_occupation(code="6-05-05-01", name_zh="箱包制作工", name_en="Bag maker")
    headers = api_headers(client, make_user("enterprise", organisation="平湖箱包"))
    error = _order_errors(client, headers, {"occupation_code": "6-05-05-01", "level": 9,
                                            "workers": "many", "colour": "red"})
    assert error["message"] == "部分字段填写有误。"
    fields = error["fields"]
    assert fields["region_code"] == ["缺少必填字段。"]
    assert fields["workers"] == ["不是有效的整数。"]
    assert fields["colour"] == ["未知字段。"]
    assert fields["level"] == ["必须大于或等于 1 且小于或等于 5。"]
    # The app's own messages were already translated: they pass unchanged.
    error = _order_errors(client, headers, {
        "occupation_code": "6-05-05-01", "level": 5, "workers": 2, "region_code": "33",
        "wage_fen": 500000, "starts_on": "2027-03-01"})
    assert error["fields"]["region_code"] == ["地区代码必须是 6 位数字。"]


def test_an_english_caller_reads_marshmallows_own_words(client):
    headers = api_headers(client, make_user("enterprise", organisation="平湖箱包"))
    error = _order_errors(client, {**headers, "Accept-Language": "en"}, {"workers": "2.5"})
    assert error["fields"]["workers"] == ["Not a valid integer."]
    assert error["fields"]["region_code"] == ["Missing data for required field."]


def test_every_template_has_a_chinese_translation(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        untranslated = [t for t in TEMPLATES if translate(t.format(
            min=1, max=2, equal=3, choices="a, b", other=4)).isascii()]
        assert untranslated == []
        one_of = translate("Must be one of: single, multiple.")
        assert one_of == "必须是以下之一：single, multiple。"
        assert translate("Length must be between 1 and 200.") == "长度必须在 1 到 200 之间。"
        assert translate("请选择行政区划表中的地区。") == "请选择行政区划表中的地区。"
        assert translate("Something marshmallow never says.") == "Something marshmallow never says."
