"""The classroom projector screen: the rotating check-in QR and short code, nothing else.

Kept apart from the instructor's sheet so that no trainee's name is ever projected."""

from flask import abort, render_template
from flask_login import current_user

from attendance import offline
from attendance.views import bp, code_payload
from core.auth import INSTRUCTOR, role_required


@bp.get("/offline/<int:session_id>/screen")
@role_required(INSTRUCTOR)
def classroom_screen(session_id: int):
    session = offline.get_session(session_id)
    if not session.course.is_instructor(current_user):
        abort(403)
    code = code_payload(session) if session.state() != "ended" else None
    return render_template("attendance/screen.html", session=session, code=code)
