"""Plain-dict views of claims and batches for the API and the pages (masking applied here)."""

from flask import Response, url_for
from flask_babel import get_locale

from core.timeutil import iso
from subsidies import messages
from subsidies.batches import export_file, live_claims, totals_by_region
from subsidies.models import PaymentBatch, SubsidyClaim
from subsidies.service import is_overdue


def trainee_ref(user, viewer) -> dict:
    """Officers and the holder see the ID number and phone; others only the masked forms."""
    profile = user.profile
    full = viewer is not None and (viewer.role == "officer" or viewer.id == user.id)
    out = {"id": user.id, "name": user.name,
           "id_masked": profile.id_masked if profile else None,
           "phone_masked": user.phone_masked,
           "region_code": profile.region_code if profile else None}
    if full:
        out["id_number"] = profile.id_number if profile else None
        out["phone"] = user.phone
    return out


def certificate_ref(certificate) -> dict:
    return {"id": certificate.id, "serial": certificate.serial, "status": certificate.status,
            "certificate_type": certificate.certificate_type, "level": certificate.level,
            "issued_at": iso(certificate.issued_at),
            "training_hours": certificate.training_hours}


def claim_payload(claim: SubsidyClaim, viewer) -> dict:
    occupation = claim.occupation
    review = None
    if claim.decided_at is not None:
        review = {"reason": claim.review_reason, "decided_at": iso(claim.decided_at),
                  "decided_by": claim.decided_by.name if claim.decided_by else None}
    return {
        "id": claim.id, "kind": claim.kind,
        "trainee": trainee_ref(claim.trainee, viewer),
        "certificate": certificate_ref(claim.certificate),
        "occupation": {"code": occupation.code, "name": occupation.name(str(get_locale()))},
        "level": claim.level, "region_code": claim.region_code,
        "amount_fen": claim.amount_fen, "status": claim.api_status, "state": claim.status,
        "batch_id": claim.batch_id,
        "decision": {"eligible": claim.eligible,
                     "reasons": messages.reasons(claim.decision),
                     "policy": (claim.decision or {}).get("policy"),
                     "computed_fen": (claim.decision or {}).get("computed_fen", 0)},
        "review": review, "due_at": iso(claim.due_at), "overdue": is_overdue(claim),
        "flagged": claim.flagged, "flag_reason": claim.flag_reason,
        "created_at": iso(claim.created_at), "paid_at": iso(claim.paid_at),
    }


def batch_payload(batch: PaymentBatch) -> dict:
    return {"id": batch.id, "status": batch.status,
            "claims": [c.id for c in live_claims(batch)], "claim_count": batch.claim_count,
            "total_fen": batch.total_fen,
            "totals_by_region": [{"region_code": r, "claims": n, "total_fen": fen}
                                 for r, n, fen in totals_by_region(batch)],
            "created_at": iso(batch.created_at), "paid_at": iso(batch.paid_at),
            "csv_url": url_for("subsidies_api.batch_csv", batch_id=batch.id)}


# The two payment files: (content type, file name), made by batches.export_file.
_BATCH_FILES = {"csv": ("text/csv; charset=utf-8", "payment-batch-{id}.csv"),
                "payroll": ("text/csv; charset=gb18030", "payroll-batch-{id}.csv")}


def batch_file_response(actor, batch: PaymentBatch, kind: str) -> Response:
    """A payment file as a download, for the page and the API alike (audited on export)."""
    content_type, name = _BATCH_FILES[kind]
    return Response(export_file(actor, batch, kind), content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{name.format(id=batch.id)}"',
        "Cache-Control": "no-store"})
