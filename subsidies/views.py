"""Officer workspace (queue, claim review, batches, policies) and the trainee's My subsidies."""

import json

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from accounts import scope
from accounts.models import KEY_GROUPS, KeyGroupDeclaration, User
from core import regions
from core.api import paginate
from core.audit import record_refusal
from core.auth import ADMIN, OFFICER, TRAINEE, role_required
from core.errors import NotFound, ServiceError
from core.extensions import db
from core.forms import fill_region_filter
from core.views import safe_next
from courses import service as courses_service
from courses.models import Enrolment
from subsidies import bank, batches, evidence, messages, policies, service
from subsidies.forms import (
    BankAccountForm,
    BatchForm,
    BulkApproveForm,
    ConfirmForm,
    DecisionForm,
    EvidenceForm,
    PolicyForm,
    PolicyImportForm,
    QueueFilterForm,
)
from subsidies.present import batch_file_response

bp = Blueprint("subsidies", __name__)
PER_PAGE = 25


@bp.get("/subsidies/")
@role_required(OFFICER)
def queue():
    form = QueueFilterForm(request.args)
    form.occupation.choices = courses_service.occupation_choices(_("Any occupation"))
    if "status" not in request.args:
        form.status.data = "pending"
    region = fill_region_filter(form, scope.regions_of(current_user))
    filters = {}
    if form.validate():
        filters = {"status": form.status.data or None, "region": region or None,
                   "occupation": form.occupation.data or None,
                   "key_group": form.key_group.data or None, "overdue": bool(form.overdue.data)}
    page = request.args.get("page", 1, type=int)
    result = paginate(service.claims_query(**filters, viewer=current_user), max(page, 1),
                      PER_PAGE)
    return render_template("subsidies/queue.html", form=form, result=result,
                           counts=service.queue_counts(current_user),
                           bulk_form=BulkApproveForm(), scope_names=scope.names(current_user),
                           within=scope.regions_of(current_user),
                           is_overdue=service.is_overdue, failed=messages.failed,
                           filter_args={k: v for k, v in request.args.items() if k != "page"})


@bp.post("/subsidies/bulk-approve")
@role_required(OFFICER)
def bulk_approve():
    form = BulkApproveForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please submit it again."), "error")
        return redirect(url_for("subsidies.queue"))
    ids = [int(v) for v in request.form.getlist("claim_ids") if v.isdigit()]
    try:
        claims = service.bulk_approve(current_user, ids)
    except ServiceError as error:
        if error.code == "region_forbidden":
            raise  # the 403 page: one claim of the selection is outside the officer's regions
        flash(error.message, "error")
        return redirect(url_for("subsidies.queue"))
    flash(_("%(n)d claim(s) approved.", n=len(claims)), "success")
    return redirect(url_for("subsidies.queue"))


def _claim_page(claim, form=None, status=200):
    trainee = claim.trainee
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.course_id == claim.course_id, Enrolment.trainee_id == trainee.id))
    attendance = courses_service.attendance_summary(enrolment) if enrolment else None
    declarations = db.session.scalars(select(KeyGroupDeclaration).where(
        KeyGroupDeclaration.user_id == trainee.id).order_by(KeyGroupDeclaration.group)).all()
    return render_template(
        "subsidies/claim.html", claim=claim, trainee=trainee, attendance=attendance,
        reasons=messages.reasons(claim.decision), declarations=declarations,
        files=evidence.evidence_for(trainee.id), form=form or DecisionForm(),
        account=bank.account_of(trainee.id),
        confirm_form=ConfirmForm(), history=service.history(claim),
        action_title=messages.action_title,
        overdue=service.is_overdue(claim), key_groups=KEY_GROUPS), status


@bp.get("/subsidies/claims/<int:claim_id>")
@role_required(OFFICER)
def claim(claim_id: int):
    return _claim_page(service.get_claim(claim_id, current_user))


@bp.post("/subsidies/claims/<int:claim_id>/<action>")
@role_required(OFFICER)
def decide(claim_id: int, action: str):
    if action not in ("approve", "reject"):
        raise NotFound("No such action.")
    claim = service.get_claim(claim_id, current_user)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _claim_page(claim, form, 422)
    try:
        service.decide_claim(current_user, claim_id, action == "approve", form.reason.data)
    except ServiceError as error:
        if "reason" in error.fields:
            form.reason.errors = list(form.reason.errors) + error.fields["reason"]
        else:
            flash(error.message, "error")
        return _claim_page(service.get_claim(claim_id, current_user), form, error.status)
    flash(_("Claim approved.") if action == "approve" else _("Claim rejected."), "success")
    return redirect(url_for("subsidies.queue"))


@bp.post("/subsidies/trainees/<int:trainee_id>/key-groups/<group>")
@role_required(OFFICER)
def confirm_group(trainee_id: int, group: str):
    form = ConfirmForm()
    back = safe_next(request.form.get("next"), url_for("subsidies.queue"))
    if form.validate_on_submit():
        confirmed = request.form.get("confirmed") == "1"
        try:
            evidence.confirm(current_user, trainee_id, group, confirmed)
            flash(_("Key group confirmed.") if confirmed else _("Key group refused."),
                  "success")
        except ServiceError as error:
            if error.code == "region_forbidden":
                raise
            flash(error.message, "error")
    return redirect(back)


@bp.get("/subsidies/evidence/<int:evidence_id>")
@role_required(OFFICER, TRAINEE)
def evidence_file(evidence_id: int):
    row, path = evidence.get_evidence(evidence_id, current_user)
    # At most 5 MB: read whole, so no open file outlives the request.
    return Response(path.read_bytes(), mimetype=row.content_type, headers={
        "Content-Disposition": content_disposition(row.filename),
        "Cache-Control": "private, no-store"})


def content_disposition(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_") or "evidence"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@bp.get("/subsidies/batches")
@role_required(OFFICER, ADMIN)
def batch_list():
    waiting = batches.waiting_summary(current_user) if current_user.role == OFFICER else None
    return render_template("subsidies/batches.html", batches=batches.list_batches(current_user),
                           form=BatchForm(), waiting=waiting,
                           scope_names=scope.names(current_user))


@bp.post("/subsidies/batches")
@role_required(OFFICER)
def create_batch():
    if not BatchForm().validate_on_submit():
        flash(_("The form expired. Please submit it again."), "error")
        return redirect(url_for("subsidies.batch_list"))
    try:
        batch = batches.create_batch(current_user)
    except ServiceError as error:
        _refused(error)
        return redirect(url_for("subsidies.batch_list"))
    flash(_("Payment batch %(id)d created.", id=batch.id), "success")
    return redirect(url_for("subsidies.batch", batch_id=batch.id))


def _form_errors(form, error: ServiceError, fallback) -> None:
    """Show a service's field errors on the form (unknown fields on `fallback`)."""
    for name, problems in error.fields.items():
        target = form[name] if name in form else fallback
        target.errors = list(target.errors) + list(problems)


def _refused(error: ServiceError) -> None:
    """Undo the request's changes but keep the audit row of a refused money action (committed
    here: the request itself rolls back, as every request that met a service error does)."""
    db.session.rollback()
    if record_refusal(error) is not None:
        db.session.commit()
    flash(error.message, "error")


@bp.get("/subsidies/batches/<int:batch_id>")
@role_required(OFFICER, ADMIN)
def batch(batch_id: int):
    row = batches.get_batch(batch_id, current_user)
    return render_template("subsidies/batch.html", batch=row, claims=batches.live_claims(row),
                           regions=batches.totals_by_region(row), form=BatchForm(),
                           mask=current_user.role != OFFICER)


@bp.get("/subsidies/batches/<int:batch_id>.csv")
@role_required(OFFICER, ADMIN)
def batch_csv(batch_id: int):
    row = batches.get_batch(batch_id, current_user)
    return batch_file_response(current_user, row, "csv")


@bp.get("/subsidies/batches/<int:batch_id>/payroll.csv")
@role_required(OFFICER, ADMIN)
def batch_payroll(batch_id: int):
    row = batches.get_batch(batch_id, current_user)
    return batch_file_response(current_user, row, "payroll")



@bp.post("/subsidies/batches/<int:batch_id>/paid")
@role_required(OFFICER, ADMIN)
def batch_paid(batch_id: int):
    if BatchForm().validate_on_submit():
        try:
            batches.mark_paid(current_user, batch_id)
            flash(_("Batch marked as paid."), "success")
        except ServiceError as error:
            if error.status == 403 and error.code == "region_forbidden":
                raise
            _refused(error)
    return redirect(url_for("subsidies.batch", batch_id=batch_id))


@bp.route("/subsidies/policies", methods=["GET", "POST"])
@role_required(OFFICER)
def policy_list():
    form = PolicyForm()
    import_form = PolicyImportForm(prefix="import")
    status = 200
    if request.method == "GET" and not form.settings.data:
        base = policies.list_policies()
        form.settings.data = json.dumps(base[0].settings if base else
                                        policies.default_settings(), ensure_ascii=False,
                                        indent=2)
    within = scope.regions_of(current_user)
    if request.method == "GET" and len(within) == 1:
        form.region.data = within[0]  # the one region they may write for, already picked
    region = fill_region_filter(form, within, everywhere=(
        _("Choose one of your regions") if within else _("National (every region)")))
    posted = request.method == "POST" and form.validate_on_submit()
    if posted and within and not region:
        # Nothing (or a province only reaching into theirs) picked would mean national.
        form.province.errors = [_("Choose a region within yours (%(regions)s).",
                                  regions=scope.names_text(current_user))]
        status = 422
    elif posted:
        try:
            settings = json.loads(form.settings.data)
            policy = policies.create_policy(current_user, {
                "name": form.name.data, "region_prefix": regions.prefix(region),
                "effective_from": form.effective_from.data,
                "effective_to": form.effective_to.data, "settings": settings})
        except json.JSONDecodeError as error:
            form.settings.errors = [_("Not valid JSON: %(msg)s", msg=str(error))]
            status = 422
        except ServiceError as error:
            _form_errors(form, error, form.settings)
            if not error.fields:  # a region outside the officer's: said beside the picker
                form.province.errors = [error.message]
            status = error.status
        else:
            flash(_("Policy version %(v)d saved.", v=policy.version), "success")
            return redirect(url_for("subsidies.policy_list"))
    elif request.method == "POST":
        status = 422
    return render_template("subsidies/policies.html", policies=policies.list_policies(),
                           form=form, import_form=import_form, within=within), status


@bp.get("/subsidies/policies/<int:policy_id>.json")
@role_required(OFFICER)
def policy_export(policy_id: int):
    policy = policies.get_policy(policy_id)
    body = json.dumps(policies.export_policy(policy), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="subsidy-policy-{policy.id}.json"'})


@bp.post("/subsidies/policies/import")
@role_required(OFFICER)
def policy_import():
    form = PolicyImportForm(prefix="import")
    if form.validate_on_submit():
        try:
            raw = form.file.data.read(1024 * 1024)
            form.file.data.close()
            data = policies.parse_import(json.loads(raw.decode("utf-8")))
            policy = policies.create_policy(current_user, data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            flash(_("The file is not JSON."), "error")
        except ServiceError as error:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
            flash(f"{error.message} {detail}", "error")
        else:
            flash(_("Policy version %(v)d imported.", v=policy.version), "success")
    else:
        flash(_("Choose a JSON file."), "error")
    return redirect(url_for("subsidies.policy_list"))


@bp.route("/my/subsidies", methods=["GET", "POST"])
@role_required(TRAINEE)
def mine():
    form = EvidenceForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            upload = form.file.data
            try:
                data = upload.read(evidence.MAX_BYTES + 1)
                upload.close()
                evidence.upload(current_user, form.group.data, upload.filename or "", data)
            except ServiceError as error:
                form.file.errors = list(form.file.errors) + (
                    error.fields.get("file") or [error.message])
                status = 422
            else:
                flash(_("Evidence uploaded. An officer will check it."), "success")
                return redirect(url_for("subsidies.mine"))
        else:
            status = 422
    user = db.session.get(User, current_user.id)
    claims = service.claims_of(user.id)
    return render_template(
        "subsidies/mine.html", claims=claims, form=form, account=bank.account_of(user.id),
        reasons={c.id: messages.reasons(c.decision) for c in claims},
        histories={c.id: service.history(c) for c in claims},
        action_title=messages.action_title,
        declarations=user.profile.key_groups if user.profile else [],
        files=evidence.evidence_for(user.id)), status


@bp.route("/my/subsidies/bank-account", methods=["GET", "POST"])
@role_required(TRAINEE)
def bank_account():
    """Where the subsidy is paid; changing it is audited, and a batch keeps the old one."""
    form = BankAccountForm()
    current = bank.account_of(current_user.id)
    status = 200
    if request.method == "GET" and current is not None:
        form.bank_name.data = current.bank_name
        form.kind.data = "account" if current.kind == "account" else ""
    if form.validate_on_submit():
        try:
            bank.set_account(current_user, form.bank_name.data, form.account_number.data,
                             form.kind.data or None)
        except ServiceError as error:
            _form_errors(form, error, form.account_number)
            status = 422
        else:
            flash(_("Bank account saved. Subsidies will be paid to it."), "success")
            return redirect(url_for("subsidies.mine"))
    elif form.is_submitted():
        status = 422
    return render_template("subsidies/bank_account.html", form=form, current=current), status
