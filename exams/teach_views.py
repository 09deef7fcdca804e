"""Exam pages for instructors: banks and questions, exams, results, practical scoring."""

from flask import render_template
from flask_login import current_user

from core.auth import INSTRUCTOR, role_required
from courses import service as courses
from exams import service
from exams.views import bp


@bp.get("/teach/exams")
@role_required(INSTRUCTOR)
def teach():
    taught = courses.courses_taught_by(current_user)
    exams = [(course, service.exams_of_course(course.id)) for course in taught]
    return render_template("exams/teach.html", banks=service.banks_for(current_user),
                           exams=exams)
