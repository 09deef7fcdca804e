"""The demo carries one order from placement to hires and fills the follow-up list; CLI."""

from sqlalchemy import func, select

from accounts import scope
from core.extensions import db
from reports import service
from reports.models import DemandOrder, EmploymentRecord, Target


def test_demo_load_shows_targets_follow_up_and_an_order(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    order = db.session.scalar(select(DemandOrder))
    assert order.status == "in_training"
    from reports.orders import pipeline

    figures = pipeline(order)
    assert figures["hired"] == 2 and figures["certified"] >= 2 and figures["ordered"] == 3
    assert db.session.scalar(select(func.count(Target.id))) >= 3
    assert db.session.scalar(select(func.count(EmploymentRecord.id)).where(
        EmploymentRecord.status == "confirmed")) >= 3
    assert db.session.scalars(service.follow_up_query(None, "30")).first() is not None
    assert db.session.scalars(service.follow_up_query(None, "90")).first() is not None


def test_officer_region_cli(runner, officer):
    result = runner.invoke(args=["reports", "officer-region", officer.email, "330400"])
    assert result.exit_code == 0, result.output
    assert scope.regions_of(officer) == ("330400",)
    assert "嘉兴市" in result.output
    assert runner.invoke(args=["reports", "officer-region", officer.email, "33"]).exit_code != 0
    assert runner.invoke(args=["reports", "officer-region", "nobody@x.cn"]).exit_code != 0
    # several regions at once; a district inside a chosen city adds nothing
    result = runner.invoke(args=["reports", "officer-region", officer.email, "330400",
                                 "330482", "430100"])
    assert result.exit_code == 0, result.output
    assert scope.regions_of(officer) == ("330400", "430100")
    assert runner.invoke(args=["reports", "officer-region", officer.email,
                               "999999"]).exit_code != 0
    assert scope.regions_of(officer) == ("330400", "430100")
    runner.invoke(args=["reports", "officer-region", officer.email])
    db.session.expire_all()
    assert scope.regions_of(officer) == ()
