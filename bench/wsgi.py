"""The app as benchmarked: the real factory plus a bare JSON endpoint as the baseline,
served by the same gunicorn workers so both are measured under identical conditions."""

from flask import jsonify

from app import create_app


def create():
    app = create_app()
    app.config["RATELIMIT_ENABLED"] = False

    @app.get("/_bench/bare")
    def bare():
        return jsonify({"items": [], "total": 0, "page": 1, "per_page": 20})

    return app
