"""Menu pages, course pages, authoring pages, curation and import."""

import io
import json

from sqlalchemy import func, select

from core.extensions import db
from courses.models import Course, Enrolment, Institution, Occupation, Platform
from tests import factories
from tests.factories import csrf_token, login


def test_menu_page_searches_in_chinese(client, instructor):
    occupation = factories.make_occupation("4-01-02-07", "互联网营销师", "Internet marketing")
    factories.make_course(instructor, occupation=occupation, title="直播销售员五级实训班")
    factories.make_course(instructor, title="中式烹调师五级")
    page = client.get("/menu?q=直播").get_data(as_text=True)
    assert "直播销售员五级实训班" in page and "中式烹调师五级" not in page
    assert "共找到 1 门课程" in page


def test_menu_region_is_chosen_by_name_with_the_trainees_own_first(client, trainee, instructor):
    """Nobody knows division codes: the filter lists names, the trainee's district and city
    first, and a course page names its region."""
    near = factories.make_course(instructor, title="平湖箱包订单班", region_code="330482")
    factories.make_course(instructor, title="郴州养老护理班", region_code="431000")
    login(client, trainee)  # lives in 330482
    page = client.get("/menu").get_data(as_text=True)
    assert '<select id="region" name="region">' in page
    assert page.index("我所在地：浙江省 嘉兴市 平湖市") < page.index(">浙江省 嘉兴市<") \
        < page.index(">北京市<")
    page = client.get("/menu?region=330482").get_data(as_text=True)
    assert "平湖箱包订单班" in page and "郴州养老护理班" not in page
    assert '<option selected value="330482">' in page
    shared = client.get("/menu?region=431021").get_data(as_text=True)  # a link to a district
    assert "湖南省 郴州市 桂阳县" in shared and "郴州养老护理班" in shared
    detail = client.get(f"/courses/{near.id}").get_data(as_text=True)
    assert "浙江省 嘉兴市 平湖市" in detail and ">330482<" not in detail


def test_menu_page_bad_filter_is_422(client):
    assert client.get("/menu?level=9").status_code == 422


def test_menu_page_in_english(client, instructor):
    factories.make_course(instructor, title="Elderly care L5")
    client.get("/lang/en")
    page = client.get("/menu").get_data(as_text=True)
    assert "Training menu" in page and "1 course found" in page


def test_enrol_from_the_course_page(client, trainee, instructor):
    course = factories.make_course(instructor, title="养老护理员五级")
    login(client, trainee)
    assert "报名" in client.get(f"/courses/{course.id}").get_data(as_text=True)
    response = client.post(f"/courses/{course.id}/enrol",
                           data={"csrf_token": csrf_token(client, f"/courses/{course.id}")})
    assert response.status_code == 302
    page = client.get("/my/courses").get_data(as_text=True)
    assert "养老护理员五级" in page and "出勤" in page
    again = client.post(f"/courses/{course.id}/enrol",
                        data={"csrf_token": csrf_token(client, f"/courses/{course.id}")},
                        follow_redirects=True)
    assert "您已报名该课程" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_draft_course_page_is_404_for_trainees(client, trainee, instructor):
    draft = factories.make_course(instructor, published=False)
    login(client, trainee)
    assert client.get(f"/courses/{draft.id}").status_code == 404
    response = client.post(f"/courses/{draft.id}/enrol", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 404


def test_instructor_authors_a_course_in_pages(client, instructor):
    factories.make_occupation("4-01-02-07", "互联网营销师", "Internet marketing")
    school = factories.make_institution("平湖职校")
    factories.assign_provider(instructor, school)
    login(client, instructor)
    token = csrf_token(client, "/teach/courses/new")
    response = client.post("/teach/courses/new", data={
        "csrf_token": token, "title": "助农直播", "provider": f"institution:{school.id}",
        "occupation_code": "4-01-02-07", "level": "5",
        "mode": "live", "required_hours": "64", "region_code": "330482", "subsidised": "y",
        "fee_yuan": "0", "attendance_threshold": "0.8", "certificate_type": "skill_level",
        "description_html": "<p>好课</p><script>x</script>"})
    assert response.status_code == 302
    course = db.session.scalar(select(Course).where(Course.title == "助农直播"))
    assert course.status == "draft" and "<script" not in course.description_html
    lesson = client.post(f"/teach/courses/{course.id}/lessons/new", data={
        "csrf_token": token, "title": "开播准备", "kind": "video", "duration_minutes": "30",
        "video_url": "", "document_url": "", "description_html": ""})
    assert lesson.status_code == 302
    client.post(f"/teach/courses/{course.id}/publish", data={"csrf_token": token})
    db.session.refresh(course)
    assert course.status == "published" and [x.title for x in course.lessons] == ["开播准备"]
    assert "助农直播" in client.get("/menu").get_data(as_text=True)


def test_another_instructor_cannot_edit(client, instructor, make_user):
    course = factories.make_course(instructor)
    login(client, make_user("instructor"))
    assert client.get(f"/teach/courses/{course.id}").status_code == 403


def test_curation_import_is_all_or_nothing(client, officer):
    login(client, officer)
    rows = {"platforms": [{"name": "技能强国", "website": "https://skills.example.cn"}],
            "occupations": [{"code": "4-10-01-06", "name_zh": "家政服务员",
                             "name_en": "Housekeeping"},
                            {"code": "bad", "name_zh": "坏", "name_en": "Bad"}]}
    response = client.post("/menu-admin/import", data={
        "csrf_token": csrf_token(client, "/menu-admin/"),
        "import-file": (io.BytesIO(json.dumps(rows).encode()), "menu.json")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "编码格式须如 4-01-02-07" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Platform)) == 0
    assert db.session.scalar(select(func.count()).select_from(Occupation)) == 0
    rows["occupations"].pop()
    response = client.post("/menu-admin/import", data={
        "csrf_token": csrf_token(client, "/menu-admin/"),
        "import-file": (io.BytesIO(json.dumps(rows).encode()), "menu.json")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(select(Occupation.name_zh)) == "家政服务员"


def test_curation_single_forms(client, officer):
    login(client, officer)
    token = csrf_token(client, "/menu-admin/")
    response = client.post("/menu-admin/institution", data={
        "csrf_token": token, "institution-name": "长沙县人力资源培训学校",
        "institution-region_code": "430121", "institution-licence_number": "4301212026017"})
    assert response.status_code == 302
    assert db.session.scalar(select(Institution.name)) == "长沙县人力资源培训学校"
    bad = client.post("/menu-admin/institution", data={
        "csrf_token": token, "institution-name": "X", "institution-region_code": "999999",
        "institution-licence_number": "L1"})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Institution)) == 1


def test_curation_is_officer_only(client, trainee, instructor):
    for user in (trainee, instructor):
        login(client, user)
        assert client.get("/menu-admin/").status_code == 403
        client.post("/logout", data={"csrf_token": csrf_token(client)})
