"""Payment batches on the officer's pages (detail, CSV, payroll CSV, marking paid under four
eyes) and importing a policy version from a JSON file."""

import csv
import io
import json

from sqlalchemy import func, select

from core.extensions import db
from subsidies.models import PaymentBatch, SubsidyClaim, SubsidyPolicy
from tests import factories
from tests.subsidies.test_officer_scope import _approve, world  # noqa: F401 - the fixture


def test_batch_pages_show_download_and_mark_paid(client, world):  # noqa: F811
    _approve(client, factories.api_headers(client, world["officer"]), world["a"].id)
    batch_id = client.post("/api/v1/payment-batches", json={}, headers=factories.api_headers(
        client, world["officer2"])).get_json()["id"]
    factories.login(client, world["officer"])
    page = client.get(f"/subsidies/batches/{batch_id}").get_data(as_text=True)
    assert "嘉兴人" in page and "长沙人" not in page
    body = client.get(f"/subsidies/batches/{batch_id}.csv")
    assert body.status_code == 200 and body.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(body.get_data().decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["嘉兴人"]
    payroll = client.get(f"/subsidies/batches/{batch_id}/payroll.csv")
    assert "gb18030" in payroll.headers["Content-Type"]
    assert "嘉兴人" in payroll.get_data().decode("gb18030")
    # The maker cannot mark it paid; another officer can.
    maker = client.application.test_client()
    factories.login(maker, world["officer2"])
    token = factories.csrf_token(maker, f"/subsidies/batches/{batch_id}")
    maker.post(f"/subsidies/batches/{batch_id}/paid", data={"csrf_token": token})
    assert db.session.get(PaymentBatch, batch_id).status != "paid"
    token = factories.csrf_token(client, f"/subsidies/batches/{batch_id}")
    done = client.post(f"/subsidies/batches/{batch_id}/paid", data={"csrf_token": token})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(PaymentBatch, batch_id).status == "paid"
    assert db.session.get(SubsidyClaim, world["a"].id).status == "paid"


def test_officer_imports_a_policy_version_from_json(client, officer, policy, runner):
    exported = json.loads(runner.invoke(
        args=["subsidies", "export-policy", str(policy.id)]).output)
    factories.login(client, officer)
    token = factories.csrf_token(client, "/subsidies/policies")
    response = client.post("/subsidies/policies/import", content_type="multipart/form-data",
                           data={"import-csrf_token": token, "csrf_token": token,
                                 "import-file": (io.BytesIO(json.dumps(exported).encode()),
                                                 "policy.json")})
    assert response.status_code == 302
    versions = db.session.scalars(select(SubsidyPolicy.version).order_by(
        SubsidyPolicy.version)).all()
    assert versions == [1, 2]
    assert "政策第 2 版已导入" in client.get("/subsidies/policies").get_data(as_text=True)
    bad = client.post("/subsidies/policies/import", content_type="multipart/form-data",
                      data={"import-csrf_token": token, "csrf_token": token,
                            "import-file": (io.BytesIO(b"not json"), "policy.json")})
    assert bad.status_code == 302
    assert "文件不是 JSON 格式" in client.get("/subsidies/policies").get_data(as_text=True)
    assert db.session.scalar(select(func.count(SubsidyPolicy.id))) == 2
