"""Subsidy API: claims, decisions, key-group evidence, payment batches, policies."""

from flask import Response, request
from flask_babel import gettext as _
from sqlalchemy import select

from core.api import PageArgs, api_blueprint, paginate
from core.auth import OFFICER, TRAINEE, api_auth, current_api_user
from core.errors import Invalid, NotFound
from core.openapi import file_response, file_upload
from core.timeutil import iso
from subsidies import batches, evidence, policies, service
from subsidies.models import PaymentBatch
from subsidies.present import batch_payload, claim_payload
from subsidies.schemas import (
    BatchArgs,
    BatchPageSchema,
    BatchSchema,
    BulkApproveArgs,
    ClaimArgs,
    ClaimPageSchema,
    ClaimSchema,
    ConfirmArgs,
    DecisionArgs,
    KeyGroupStatusSchema,
    PolicyOutSchema,
    PolicySchema,
)

blp = api_blueprint("subsidies_api", __name__, "Subsidy claims, review, payment batches")


@blp.route("/claims", methods=["GET"])
@api_auth(OFFICER)
@blp.arguments(ClaimArgs, location="query")
@blp.response(200, ClaimPageSchema)
def list_claims(args):
    """Claims for review, filtered by status (pending|approved|rejected|paid) and more."""
    page, per_page = args.pop("page"), args.pop("per_page")
    viewer = current_api_user()
    return paginate(service.claims_query(**args), page, per_page,
                    lambda c: claim_payload(c, viewer))


@blp.route("/me/claims", methods=["GET"])
@api_auth(TRAINEE)
@blp.arguments(PageArgs, location="query")
@blp.response(200, ClaimPageSchema)
def my_claims(args):
    """The caller's own claims with their decisions and reasons."""
    viewer = current_api_user()
    stmt = service.claims_query(trainee_id=viewer.id)
    return paginate(stmt, args["page"], args["per_page"], lambda c: claim_payload(c, viewer))


@blp.route("/claims/<int:claim_id>", methods=["GET"])
@api_auth(OFFICER, TRAINEE)
@blp.response(200, ClaimSchema)
def get_claim(claim_id):
    """One claim (a trainee only their own)."""
    viewer = current_api_user()
    claim = service.get_claim(claim_id)
    if viewer.role == TRAINEE and claim.trainee_id != viewer.id:
        raise NotFound(_("No such claim."))
    return claim_payload(claim, viewer)


@blp.route("/claims/<int:claim_id>/decision", methods=["POST"])
@api_auth(OFFICER)
@blp.arguments(DecisionArgs)
@blp.response(200, ClaimSchema)
def decide(args, claim_id):
    """Approve, or reject with a reason (required)."""
    officer = current_api_user()
    claim = service.decide_claim(officer, claim_id, args["approve"], args.get("reason"))
    return claim_payload(claim, officer)


@blp.route("/claims/bulk-approve", methods=["POST"])
@api_auth(OFFICER)
@blp.arguments(BulkApproveArgs)
@blp.response(200, ClaimPageSchema)
def bulk_approve(args):
    """Approve several pending claims; all or nothing."""
    officer = current_api_user()
    claims = service.bulk_approve(officer, args["claim_ids"])
    items = [claim_payload(c, officer) for c in claims]
    return {"items": items, "total": len(items), "page": 1, "per_page": len(items)}


def _key_group(declaration) -> dict:
    files = [e for e in evidence.evidence_for(declaration.user_id).get(declaration.group, [])]
    return {"group": declaration.group, "status": declaration.status,
            "decided_at": iso(declaration.decided_at),
            "evidence": [{"id": e.id, "filename": e.filename, "content_type": e.content_type,
                          "size_bytes": e.size_bytes, "sha256": e.sha256,
                          "uploaded_at": iso(e.created_at)} for e in files]}


@blp.route("/me/key-groups/<group>/evidence", methods=["PUT"])
@api_auth(TRAINEE)
@blp.doc(**file_upload("file", "PDF, PNG or JPEG, at most 5 MB."))
@blp.response(200, KeyGroupStatusSchema)
def upload_evidence(group):
    """Upload evidence (multipart `file`: PDF, PNG or JPEG, at most 5 MB) for a key group."""
    upload = request.files.get("file")
    if upload is None:
        raise Invalid(_("Send the evidence as a multipart field named file."),
                      fields={"file": [_("Missing file.")]})
    try:
        data = upload.read(evidence.MAX_BYTES + 1)  # enough to know it is too large
    finally:
        upload.close()
    row = evidence.upload(current_api_user(), group, upload.filename or "", data)
    return _key_group(row.declaration)


@blp.route("/trainees/<int:trainee_id>/key-groups/<group>/confirm", methods=["POST"])
@api_auth(OFFICER)
@blp.arguments(ConfirmArgs)
@blp.response(200, KeyGroupStatusSchema)
def confirm_group(args, trainee_id, group):
    """Confirm or refuse a trainee's declared key group."""
    declaration = evidence.confirm(current_api_user(), trainee_id, group, args["confirmed"])
    return _key_group(declaration)


@blp.route("/payment-batches", methods=["POST"])
@api_auth(OFFICER)
@blp.arguments(BatchArgs)
@blp.response(201, BatchSchema)
def create_batch(args):
    """Batch every approved claim not yet batched, or the named ones; none → 409."""
    batch = batches.create_batch(current_api_user(), args.get("claim_ids"))
    return batch_payload(batch)


@blp.route("/payment-batches", methods=["GET"])
@api_auth(OFFICER)
@blp.arguments(PageArgs, location="query")
@blp.response(200, BatchPageSchema)
def list_batches(args):
    stmt = select(PaymentBatch).order_by(PaymentBatch.id.desc())
    return paginate(stmt, args["page"], args["per_page"], batch_payload)


@blp.route("/payment-batches/<int:batch_id>", methods=["GET"])
@api_auth(OFFICER)
@blp.response(200, BatchSchema)
def get_batch(batch_id):
    return batch_payload(batches.get_batch(batch_id))


@blp.route("/payment-batches/<int:batch_id>.csv", methods=["GET"])
@api_auth(OFFICER)
@blp.doc(**file_response("text/csv", description="One row per claim"))
def batch_csv(batch_id):
    """The batch for the bank: one CSV row per claim (name, ID number, amount, ...)."""
    batch = batches.get_batch(batch_id)
    return Response(batches.csv_bytes(batch), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="payment-batch-{batch.id}.csv"',
                             "Cache-Control": "no-store"})


@blp.route("/payment-batches/<int:batch_id>/paid", methods=["POST"])
@api_auth(OFFICER)
@blp.response(200, BatchSchema)
def mark_paid(batch_id):
    """The bank has paid: the batch and its claims become paid (once)."""
    return batch_payload(batches.mark_paid(current_api_user(), batch_id))


@blp.route("/subsidy-policies", methods=["GET"])
@api_auth(OFFICER)
@blp.response(200, PolicyOutSchema(many=True))
def list_policies():
    return [policies.export_policy(p) for p in policies.list_policies()]


@blp.route("/subsidy-policies", methods=["POST"])
@api_auth(OFFICER)
@blp.arguments(PolicySchema)
@blp.response(201, PolicyOutSchema)
def create_policy(args):
    """A new policy version for its region prefix."""
    return policies.export_policy(policies.create_policy(current_api_user(), args))

