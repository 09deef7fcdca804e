"""The reports pages' blueprint, shared by views.py and views_people.py (neither imports the
other)."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
