"""Subsidy API: claims, decisions, key-group evidence, payment batches, policies."""

from flask import request
from flask_babel import gettext as _

from core.api import PageArgs, api_blueprint, paginate
from core.auth import ADMIN, OFFICER, TRAINEE, api_auth, current_api_user
from core.errors import Invalid, NotFound
from core.openapi import file_response, file_upload
from core.timeutil import iso
from subsidies import bank, batches, evidence, policies, service
from subsidies.present import batch_file_response, batch_payload, claim_payload
from subsidies.schemas import (
    BankAccountArgs,
    BankAccountSchema,
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
    return paginate(service.claims_query(**args, viewer=viewer), page, per_page,
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
    if viewer.role == OFFICER:
        service.get_claim(claim_id, viewer)
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
@api_auth(OFFICER, ADMIN)
@blp.arguments(PageArgs, location="query")
@blp.response(200, BatchPageSchema)
def list_batches(args):
    """Batches, newest first (a region-limited officer: those wholly in their regions)."""
    stmt = batches.batches_query(current_api_user())
    return paginate(stmt, args["page"], args["per_page"], batch_payload)


@blp.route("/payment-batches/<int:batch_id>", methods=["GET"])
@api_auth(OFFICER, ADMIN)
@blp.response(200, BatchSchema)
def get_batch(batch_id):
    return batch_payload(batches.get_batch(batch_id, current_api_user()))


@blp.route("/payment-batches/<int:batch_id>.csv", methods=["GET"])
@api_auth(OFFICER, ADMIN)
@blp.doc(**file_response("text/csv", description="One row per claim"))
def batch_csv(batch_id):
    """The batch for the bank: one CSV row per claim (name, ID number, bank, account number,
    amount in yuan and fen, claim id, certificate serial, ...), UTF-8 with BOM."""
    batch = batches.get_batch(batch_id, current_api_user())
    return batch_file_response(current_api_user(), batch, "csv")


@blp.route("/payment-batches/<int:batch_id>/payroll.csv", methods=["GET"])
@api_auth(OFFICER, ADMIN)
@blp.doc(**file_response("text/csv", description="Payroll upload (代发), GB18030"))
def batch_payroll(batch_id):
    """The batch in a bank payroll-upload (代发) layout, GB18030 (see README)."""
    batch = batches.get_batch(batch_id, current_api_user())
    return batch_file_response(current_api_user(), batch, "payroll")



@blp.route("/payment-batches/<int:batch_id>/paid", methods=["POST"])
@api_auth(OFFICER, ADMIN)
@blp.response(200, BatchSchema)
def mark_paid(batch_id):
    """The bank has paid: the batch and its claims become paid (once). Four eyes: not by the
    officer who made the batch."""
    return batch_payload(batches.mark_paid(current_api_user(), batch_id))


@blp.route("/me/bank-account", methods=["PUT"])
@api_auth(TRAINEE)
@blp.arguments(BankAccountArgs)
@blp.response(200, BankAccountSchema)
def put_bank_account(args):
    """Where subsidies are paid: a bank card (16-19 digits, Luhn-checked) or account (12-30)."""
    row = bank.set_account(current_api_user(), args.get("bank_name"),
                           args.get("account_number"), args.get("kind"))
    return bank.payload(row, full=True)


@blp.route("/me/bank-account", methods=["GET"])
@api_auth(TRAINEE)
@blp.response(200, BankAccountSchema)
def get_bank_account():
    """The caller's payment account; 404 when none is on file."""
    row = bank.account_of(current_api_user().id)
    if row is None:
        raise NotFound(_("No bank account on file."))
    return bank.payload(row, full=True)


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

