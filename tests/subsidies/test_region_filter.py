"""The claim queue's region filter is a province → city → district picker (core.forms)."""

from core.extensions import db
from tests import factories
from tests.reports.test_region_filter import _options, _selected
from tests.subsidies.conftest import claim_of, issue


def test_the_claim_queue_filters_by_the_picked_region(app, client, policy, attendance):
    course = factories.make_course()
    for name, region in (("湘南学员", "430121"), ("平湖学员", "330482")):
        claim_of(issue(factories.make_user("trainee", name=name, region_code=region), course))
    db.session.commit()
    factories.login(client, factories.make_user("officer"))
    page = client.get("/subsidies/?status=&province=430000").get_data(as_text=True)
    assert "湘南学员" in page and "平湖学员" not in page
    assert _options(page, "city")["430100"] == "长沙市"
    page = client.get("/subsidies/?status=&province=430000&city=430100&region=430121"
                      ).get_data(as_text=True)
    assert "湘南学员" in page and _selected(page, "region") == "430121"
    page = client.get("/subsidies/?status=").get_data(as_text=True)
    assert "湘南学员" in page and "平湖学员" in page
    assert _options(page, "province")[""] == "全部地区"
