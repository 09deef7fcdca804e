"""Two enterprise sessions hiring for the last place of an order at the same moment."""

import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.timeutil import local_today, now_utc
from reports import orders
from reports.models import EmploymentRecord
from tests.factories import (
    api_headers,
    enrol,
    make_course,
    make_institution,
    make_occupation,
    make_user,
)
from tests.reports.helpers import certify


def _order_with_candidates(workers: int):
    occupation = make_occupation(code="6-05-05-02")
    institution = make_institution()
    teacher = make_user("instructor", institution_id=institution.id)
    course = make_course(teacher, occupation=occupation, institution_id=institution.id)
    enterprise = make_user("enterprise", organisation="箱包厂")
    order = orders.place_order(enterprise, orders.OrderData(
        occupation_code=occupation.code, level=5, workers=workers, region_code="330482",
        wage_fen=500000, starts_on=local_today() + timedelta(days=3)))
    orders.dispatch(make_user("officer"), order, [institution.id])
    orders.accept(teacher, order.dispatches[0], course.id)
    db.session.commit()
    trainees = [make_user("trainee") for _ in range(2)]
    for trainee in trainees:
        enrol(trainee, course)
        certify(trainee, course, now_utc())
    return order, enterprise, trainees


def _race(app, order_id: int, headers: dict, trainee_ids: list[int]) -> list[int]:
    barrier = threading.Barrier(len(trainee_ids))
    statuses: list[int] = []

    def hire(trainee_id):
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/orders/{order_id}/hires",
                               json={"trainee_id": trainee_id}, headers=headers)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=hire, args=(t,)) for t in trainee_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(statuses)


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_parallel_hires_never_overfill_an_order(app, client):
    order, enterprise, trainees = _order_with_candidates(workers=1)
    headers = api_headers(client, enterprise)
    db.session.commit()
    statuses = _race(app, order.id, headers, [t.id for t in trainees])
    assert statuses == [201, 409]
    assert db.session.scalar(select(func.count(EmploymentRecord.id)).where(
        EmploymentRecord.order_id == order.id)) == 1


def test_sequential_hires_stop_at_the_ordered_number(client):
    order, enterprise, trainees = _order_with_candidates(workers=1)
    headers = api_headers(client, enterprise)
    codes = [client.post(f"/api/v1/orders/{order.id}/hires", json={"trainee_id": t.id},
                         headers=headers).status_code for t in trainees]
    assert codes == [201, 409]
