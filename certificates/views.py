"""Certificate pages: public verification, My certificates, officers' management."""

import io
import zipfile

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from certificates import outbox, service, verification
from certificates.forms import (
    BulkVerifyForm,
    ListFilterForm,
    PdfForm,
    ReissueForm,
    RevokeForm,
    SerialForm,
)
from certificates.models import Certificate
from core.auth import OFFICER, TRAINEE, role_required
from core.errors import ServiceError
from core.extensions import db, limiter

bp = Blueprint("certificates", __name__)
well_known = Blueprint("certificates_keys", __name__)
PER_PAGE = 30


def verify_limit() -> str:
    return current_app.config["CERTIFICATE_VERIFY_RATE_LIMIT"]


@well_known.get("/.well-known/skillbridge-keys.json")
def jwks():
    """Public keys (JWKS, OKP/Ed25519) that verify every certificate signature we made."""
    response = jsonify(current_app.extensions["certificate_keys"].jwks(
        current_app.config["PUBLIC_BASE_URL"]))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/verify", methods=["GET"])
def verify():
    form = SerialForm(request.args)
    if request.args.get("serial"):
        if form.validate():
            return redirect(url_for("certificates.verify_serial",
                                    serial=form.serial.data.strip().upper()))
        return render_template("certificates/verify.html", form=form, pdf_form=PdfForm(),
                               result=None), 422
    return render_template("certificates/verify.html", form=form, pdf_form=PdfForm(),
                           result=None)


@bp.get("/verify/<serial>")
@limiter.limit(verify_limit)
def verify_serial(serial: str):
    form = SerialForm(data={"serial": serial})
    try:
        result = verification.verify_serial(serial, str(get_locale()), request.args.get("s"))
    except ServiceError as error:
        if error.status != 404:
            raise
        return render_template("certificates/verify.html", form=form, pdf_form=PdfForm(),
                               result=None, not_found=serial), 404
    return render_template("certificates/verify.html", form=form, pdf_form=PdfForm(),
                           result=result)


@bp.post("/verify/pdf")
@limiter.limit(verify_limit)
def verify_pdf():
    pdf_form = PdfForm()
    if not pdf_form.validate_on_submit():
        return render_template("certificates/verify.html", form=SerialForm(), pdf_form=pdf_form,
                               result=None), 422
    try:
        check = verification.verify_pdf(pdf_form.file.data.read(10 * 1024 * 1024 + 1))
    except ServiceError as error:  # not a PDF, or one that cannot be read: say so on the form
        pdf_form.file.errors = list(pdf_form.file.errors) + [error.message]
        return render_template("certificates/verify.html", form=SerialForm(), pdf_form=pdf_form,
                               result=None), 422
    result = None
    if check.get("serial"):
        result = verification.verify_serial(check["serial"], str(get_locale()))
    return render_template("certificates/verify.html", form=SerialForm(), pdf_form=PdfForm(),
                           result=result, pdf_check=check)


@bp.get("/certificates/mine")
@role_required(TRAINEE)
def mine():
    certs = db.session.scalars(select(Certificate).where(
        Certificate.trainee_id == current_user.id).order_by(Certificate.issued_at.desc())).all()
    issuing = outbox.pending_count(current_user.id)
    return render_template("certificates/mine.html", certs=certs, issuing=issuing,
                           status_of=service.effective_status, locale=str(get_locale()))


@bp.get("/certificates/<serial>.pdf")
@role_required()
def download(serial: str):
    try:
        cert = service.by_serial(serial)
        row = service.pdf_for_download(cert, current_user)
    except ServiceError as error:
        abort(error.status)
    response = send_file(io.BytesIO(row.content), mimetype="application/pdf",
                         download_name=f"{cert.serial}.pdf", as_attachment=True)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/certificates/manage")
@role_required(OFFICER)
def manage():
    form = ListFilterForm(request.args)
    stmt = service.scoped(select(Certificate).order_by(Certificate.id.desc()), current_user)
    if form.validate():
        if form.q.data:
            like = f"%{form.q.data.strip()}%"
            stmt = stmt.where(or_(Certificate.serial.ilike(like),
                                  Certificate.holder_name.like(like)))
        if form.exam_id.data:
            stmt = stmt.where(Certificate.exam_id == int(form.exam_id.data))
        if form.status.data:
            stmt = stmt.where(service.status_clause(form.status.data))
    from core.api import paginate

    page_number = max(request.args.get("page", 1, type=int), 1)
    page = paginate(stmt, page_number, PER_PAGE)
    return render_template("certificates/manage.html", form=form, page=page,
                           revoke_form=RevokeForm(), reissue_form=ReissueForm(),
                           bulk_form=BulkVerifyForm(), status_of=service.effective_status,
                           locale=str(get_locale()), page_number=page_number,
                           issuing=outbox.pending(50, current_user),
                           pages=max((page["total"] + PER_PAGE - 1) // PER_PAGE, 1))


@bp.post("/certificates/<serial>/revoke")
@role_required(OFFICER)
def revoke(serial: str):
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for the revocation."), "error")
        return redirect(url_for("certificates.manage", q=serial))
    try:
        service.revoke(serial, current_user, form.reason.data, form.category.data)
    except ServiceError as error:
        if error.status in (403, 404):
            abort(error.status)
        flash(error.message, "error")
        return redirect(url_for("certificates.manage", q=serial))
    flash(_("Certificate %(serial)s revoked.", serial=serial), "success")
    return redirect(url_for("certificates.manage", q=serial))


@bp.post("/certificates/<serial>/reissue")
@role_required(OFFICER)
def reissue(serial: str):
    form = ReissueForm()
    if not form.validate_on_submit():
        flash(_("Give the corrected name."), "error")
        return redirect(url_for("certificates.manage", q=serial))
    try:
        new = service.reissue(serial, current_user, form.holder_name.data)
    except ServiceError as error:
        if error.status in (403, 404):
            abort(error.status)
        flash(error.message, "error")
        return redirect(url_for("certificates.manage", q=serial))
    flash(_("Reissued as %(serial)s; the old certificate is superseded.", serial=new.serial),
          "success")
    return redirect(url_for("certificates.manage", q=new.serial))


@bp.post("/certificates/verify-batch")
@role_required(OFFICER)
def verify_batch():
    form = BulkVerifyForm()
    if not form.validate_on_submit():
        flash(_("Choose a CSV file."), "error")
        return redirect(url_for("certificates.manage"))
    try:
        text = form.file.data.read(2 * 1024 * 1024).decode("utf-8-sig")
        body = verification.bulk_verify(text)
    except (UnicodeDecodeError, ServiceError):
        flash(_("The CSV could not be read: use UTF-8 with serial, name, last 4 ID "
                "characters per line."), "error")
        return redirect(url_for("certificates.manage"))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=certificate-verification.csv"})


def zip_response(exam_id: int, user):
    """A ZIP of an exam's certificate PDFs (the copies people would download)."""
    certs = db.session.scalars(service.scoped(
        select(Certificate).where(Certificate.exam_id == exam_id), user)
        .order_by(Certificate.serial)).all()
    if not certs:
        raise ServiceError(_("No certificates for this exam."), code="not_found", status=404)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for cert in certs:
            archive.writestr(f"{cert.serial}.pdf", service.pdf_for_download(cert, user).content)
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True,
                     download_name=f"certificates-exam-{exam_id}.zip")


@bp.get("/certificates/export.zip")
@role_required(OFFICER)
def export_zip():
    exam_id = request.args.get("exam_id", type=int)
    if not exam_id:
        abort(400)
    try:
        return zip_response(exam_id, current_user)
    except ServiceError as error:
        abort(error.status)
