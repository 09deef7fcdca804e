"""Codes are shown through translated labels; occupations in the page's language."""

from core import labels
from tests.exams.helpers import make_bank
from tests.factories import login, make_occupation


def test_label_translates_registered_codes_and_falls_back(app):
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale("zh"):
        assert labels.label("certificate_status", "valid") == "有效"
        assert labels.label("key_group_status", "declared") == "待确认"
        assert labels.label("course_mode", "blended") != "blended"
        assert labels.label("level", "5") == labels.label("level", 5) != "5"
        assert labels.label("nothing", "x") == "x" and labels.label("level", None) == ""


def test_english_pages_show_english_occupation_names(client, instructor):
    occupation = make_occupation(name_zh="电子仪器仪表装配工",
                                 name_en="Electronic instrument assembler")
    bank = make_bank(instructor, occupation=occupation)
    login(client, instructor)
    client.get("/lang/en")
    assert "Electronic instrument assembler" in client.get("/teach/exams").get_data(as_text=True)
    page = client.get(f"/teach/banks/{bank.id}").get_data(as_text=True)
    assert "Electronic instrument assembler" in page and "电子仪器仪表装配工" not in page
    client.get("/lang/zh")
    assert "电子仪器仪表装配工" in client.get("/teach/exams").get_data(as_text=True)
