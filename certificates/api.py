"""Certificate API: my certificates, public verification, PDF checks, revocation, reissue."""

from flask import current_app, jsonify, request, send_file
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select

from certificates import credentials, documents, jobs, outbox, service, verification
from certificates.models import Certificate, IssuanceOutbox
from certificates.schemas import (
    CertificateListArgs,
    CertificatePageSchema,
    CertificateSchema,
    CredentialArgs,
    IssuingPageSchema,
    MyCertificatePageSchema,
    PdfCheckSchema,
    ReissueSchema,
    RenderResultSchema,
    RenderSchema,
    RevokeSchema,
    StatusListArgs,
    VerificationSchema,
    VerifyArgs,
)
from core.api import PageArgs, api_blueprint, paginate
from core.auth import INSTRUCTOR, OFFICER, TRAINEE, api_auth, current_api_user
from core.errors import Forbidden, Invalid, NotFound
from core.extensions import db, limiter
from core.openapi import file_response, file_upload
from core.timeutil import iso

blp = api_blueprint("certificates_api", __name__, "Certificates: issue, verify, revoke")


def verify_limit() -> str:
    return current_app.config["CERTIFICATE_VERIFY_RATE_LIMIT"]


def certificate_dump(cert: Certificate, internal: bool = False) -> dict:
    """`internal` (officers): also the officer's own revocation words."""
    superseded_by = db.session.get(Certificate, cert.superseded_by_id) \
        if cert.superseded_by_id else None
    replaces = db.session.get(Certificate, cert.replaces_id) if cert.replaces_id else None
    base = f"/api/v1/certificates/{cert.serial}"
    return {
        "id": cert.id, "serial": cert.serial, "status": service.effective_status(cert),
        "certificate_type": cert.certificate_type, "holder_name": cert.holder_name,
        "holder_id_masked": cert.holder_id_masked, "trainee_id": cert.trainee_id,
        "course_id": cert.course_id, "course_title": cert.course.title,
        "exam_id": cert.exam_id, "attempt_id": cert.attempt_id,
        "occupation": verification.occupation_ref(cert, str(get_locale())),
        "level": cert.level, "training_hours": cert.training_hours,
        "provider": cert.provider_name, "issued_at": iso(cert.issued_at),
        "expires_at": iso(cert.expires_at), "revoked_at": iso(cert.revoked_at),
        "revoked_reason": cert.revoked_reason if internal else cert.revocation_category,
        "revocation_category": cert.revocation_category,
        "superseded_by": superseded_by.serial if superseded_by else None,
        "replaces": replaces.serial if replaces else None, "key_id": cert.key_id,
        "pdf_url": f"{base}/pdf", "verify_url": documents.verify_url(cert),
        "credential_url": f"{base}/credential",
    }


def uploaded_bytes(name: str = "file", limit: int = 10 * 1024 * 1024) -> bytes:
    upload = request.files.get(name)
    if upload is None:
        raise Invalid(_("Send the file as multipart form field `file`."),
                      fields={name: [_("Missing file.")]})
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise Invalid(_("The file is too large."), fields={name: [_("At most 10 MB.")]})
    return data


@blp.route("/me/certificates", methods=["GET"])
@api_auth(TRAINEE)
@blp.arguments(PageArgs, location="query")
@blp.response(200, MyCertificatePageSchema)
def my_certificates(args):
    """The caller's certificates, newest first, with PDF and verification links; `issuing`
    counts passed results whose certificate is still being issued."""
    trainee_id = current_api_user().id
    stmt = select(Certificate).where(Certificate.trainee_id == trainee_id) \
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    return {**paginate(stmt, args["page"], args["per_page"], certificate_dump),
            "issuing": outbox.pending_count(trainee_id)}


@blp.route("/certificates", methods=["GET"])
@api_auth(OFFICER, INSTRUCTOR)
@blp.arguments(CertificateListArgs, location="query")
@blp.response(200, CertificatePageSchema)
def list_certificates(args):
    """Officers: every certificate; instructors: those of their courses. Filterable."""
    from courses.models import CourseInstructor

    user = current_api_user()
    stmt = service.scoped(select(Certificate).order_by(Certificate.id.desc()), user)
    if user.role == INSTRUCTOR:
        stmt = stmt.where(Certificate.course_id.in_(select(CourseInstructor.course_id).where(
            CourseInstructor.user_id == user.id)))
    for key in ("exam_id", "course_id", "trainee_id", "status"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(Certificate, key) == args[key])
    if args.get("q"):
        like = f"%{args['q'].strip()}%"
        stmt = stmt.where(or_(Certificate.serial.ilike(like), Certificate.holder_name.like(like)))
    return paginate(stmt, args["page"], args["per_page"],
                    lambda cert: certificate_dump(cert, internal=user.role == OFFICER))


@blp.route("/certificates/issuing", methods=["GET"])
@api_auth(OFFICER)
@blp.arguments(PageArgs, location="query")
@blp.response(200, IssuingPageSchema)
def issuing(args):
    """Officers: passed results whose certificate is still being issued, with the error."""
    return paginate(outbox.pending_query(current_api_user()), args["page"], args["per_page"],
                    outbox_dump)


def outbox_dump(row: IssuanceOutbox) -> dict:
    return {"id": row.id, "status": "issuing", "attempt_id": row.attempt_id,
            "exam_id": row.exam_id, "course_id": row.course_id, "trainee_id": row.trainee_id,
            "trainee_name": row.trainee.name if row.trainee else None, "tries": row.tries,
            "last_error": row.last_error, "last_tried_at": iso(row.last_tried_at),
            "created_at": iso(row.created_at)}


@blp.route("/certificates/<serial>", methods=["GET"])
@api_auth()
@blp.response(200, CertificateSchema)
def get_certificate(serial):
    """Full details: the holder, officers and the course's instructors."""
    cert = service.by_serial(serial)
    user = current_api_user()
    if user.role == OFFICER:
        service.require_scope(user, cert)
    if not service.can_download(cert, user):
        raise Forbidden(_("This is not your certificate."))
    return certificate_dump(cert, internal=user.role == OFFICER)


@blp.route("/certificates/<serial>/pdf", methods=["GET"])
@api_auth()
@blp.doc(**file_response("application/pdf", description="The certificate PDF"))
def certificate_pdf(serial):
    """The stored PDF (a revoked certificate's copy carries a REVOKED watermark)."""
    return pdf_response(service.by_serial(serial), current_api_user())


def pdf_response(cert: Certificate, user):
    import io

    row = service.pdf_for_download(cert, user)
    response = send_file(io.BytesIO(row.content), mimetype="application/pdf",
                         download_name=f"{cert.serial}.pdf", as_attachment=True)
    response.headers["X-Content-SHA256"] = row.sha256
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/certificates/<serial>/verify", methods=["GET"])
@limiter.limit(verify_limit)
@blp.arguments(VerifyArgs, location="query")
@blp.response(200, VerificationSchema)
def verify(args, serial):
    """Public: status, masked holder, occupation, level, issue date, signature check."""
    return verification.verify_serial(serial, str(get_locale()), args.get("s"))


@blp.route("/certificates/verify-pdf", methods=["POST"])
@limiter.limit(verify_limit)
@blp.doc(**file_upload("file", "The certificate PDF to check (at most 10 MB)."))
@blp.response(200, PdfCheckSchema)
def verify_pdf():
    """Public: multipart `file` → authentic, altered or unknown."""
    return verification.verify_pdf(uploaded_bytes())


@blp.route("/certificates/verify-batch", methods=["POST"])
@api_auth(OFFICER)
@blp.doc(**file_upload("file", "UTF-8 CSV: serial, name, last 4 ID characters per line."))
@blp.doc(**file_response("text/csv", description="CSV of results"))
def verify_batch():
    """Officers: multipart `file`, a CSV of serial,name,id_last4 → a CSV of results."""
    data = uploaded_bytes(limit=2 * 1024 * 1024)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(_("The CSV must be UTF-8."), fields={"file": [_("Not UTF-8.")]}) from None
    body = verification.bulk_verify(text)
    return current_app.response_class(
        body, mimetype="text/csv", headers={
            "Content-Disposition": "attachment; filename=certificate-verification.csv"})


@blp.route("/certificates/<serial>/revoke", methods=["POST"])
@api_auth(OFFICER)
@blp.arguments(RevokeSchema)
@blp.response(200, CertificateSchema)
def revoke(args, serial):
    """Officer: revoke with a reason (audited; open subsidy claims are told)."""
    return certificate_dump(service.revoke(serial, current_api_user(), args["reason"],
                                           args.get("category", "other")), internal=True)


@blp.route("/certificates/<serial>/reissue", methods=["POST"])
@api_auth(OFFICER)
@blp.arguments(ReissueSchema)
@blp.response(201, CertificateSchema)
def reissue(args, serial):
    """Officer: a new serial for a corrected name; the old certificate is superseded."""
    return certificate_dump(service.reissue(serial, current_api_user(),
                                            args.get("holder_name")), internal=True)


@blp.route("/certificates/<serial>/credential", methods=["GET"])
@limiter.limit(verify_limit)
@blp.arguments(CredentialArgs, location="query")
@blp.doc(responses={200: {"description": "The stored VC-JWT (`format=json`: wrapped in JSON)",
                          "content": {
                              "application/vc+jwt": {"schema": {"type": "string"}},
                              "application/json": {"schema": {
                                  "type": "object", "required": ["credential"],
                                  "properties": {"credential": {"type": "string"}}}}}}})
def credential(args, serial):
    """Public: the Open Badges 3.0 VC-JWT stored at issuance (RS256; `alg=EdDSA` for the
    Ed25519 one); `format=json` wraps it as {"credential": <jwt>}."""
    cert = service.by_serial(serial)
    token = cert.credential_jwt_eddsa if args.get("alg") == "EdDSA" else (
        cert.credential_jwt or cert.credential_jwt_eddsa)
    if not token:
        raise NotFound(_("This certificate has no stored credential."),
                       code="credential_not_found")
    if args.get("format") == "json":
        return jsonify(credential=token)
    return current_app.response_class(token, mimetype="application/vc+jwt",
                                      headers={"Cache-Control": "no-cache"})


@blp.route("/certificates/status-lists/<int:number>", methods=["GET"])
@blp.arguments(StatusListArgs, location="query")
@blp.response(200, description="W3C BitstringStatusListCredential (VC-JWT, or JSON with "
                               "Accept: application/json)", content_type="application/vc+jwt")
def status_list(args, number):
    """Public: the revocation status list, computed now (a revocation shows at once). Signed
    RS256 as the credentials are; `alg=EdDSA` signs it with the Ed25519 key, for a verifier
    that checked the `alg=EdDSA` credential and trusts that key alone."""
    if number < 1 or number > credentials.list_count():
        raise NotFound(_("No such status list."), code="status_list_not_found")
    headers = {"Cache-Control": "no-cache", "Vary": "Accept"}
    best = request.accept_mimetypes.best_match(["application/vc+jwt", "application/json"])
    if best == "application/json":
        response = jsonify(credentials.status_list_credential(number))
        response.headers.update(headers)
        return response
    return current_app.response_class(credentials.status_list_jwt(number, args.get("alg")),
                                      mimetype="application/vc+jwt", headers=headers)


@blp.route("/issuer", methods=["GET"])
@blp.response(200, description="The issuer's Open Badges Profile")
def issuer():
    """Public: the issuer profile that every credential names."""
    return jsonify(credentials.issuer_profile())


@blp.route("/achievements/<cert_type>/<occupation_code>/<int:level>", methods=["GET"])
@blp.response(200, description="An Open Badges Achievement")
def achievement(cert_type, occupation_code, level):
    """Public: the achievement (certificate type, occupation, level) a credential awards."""
    return jsonify(service.achievement_for(cert_type, occupation_code, level))


@blp.route("/certificates/render", methods=["POST"])
@api_auth(OFFICER)
@blp.arguments(RenderSchema)
@blp.response(202, RenderResultSchema)
def render(args):
    """Officer: re-render an exam's certificates (RQ jobs with Redis, inline without); a
    region-limited officer's, those of their regions."""
    ids = db.session.scalars(service.scoped(select(Certificate.id).where(
        Certificate.exam_id == args["exam_id"]), current_api_user())
        .order_by(Certificate.id)).all()
    db.session.commit()  # the jobs read committed rows
    return jobs.render_batch(ids)


@blp.route("/certificates/export.zip", methods=["GET"])
@api_auth(OFFICER)
@blp.arguments(RenderSchema, location="query")
@blp.response(200, description="ZIP of the exam's certificate PDFs")
def export_zip(args):
    """Officer: a ZIP with the PDF of every certificate of an exam."""
    from certificates.views import zip_response

    return zip_response(args["exam_id"], current_api_user())
