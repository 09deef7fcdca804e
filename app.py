"""SkillBridge application factory."""

import importlib
import os
from pathlib import Path

from flask import Flask

from core.config import load_config

# Feature folders in dependency order: demo data, blueprints and catalogues load in this order.
FEATURES = ("core", "accounts", "courses", "attendance", "certificates", "subsidies", "exams",
            "reports", "dashboard")


def create_app(config: dict | None = None) -> Flask:
    root = Path(__file__).resolve().parent
    instance = os.environ.get("SKILLBRIDGE_INSTANCE") or str(root / "instance")
    app = Flask(__name__, instance_path=instance, instance_relative_config=True,
                template_folder="templates", static_folder="static")
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))
    app.config["FEATURES"] = FEATURES
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(
        str(root / name / "translations") for name in FEATURES
        if (root / name / "translations").exists()))

    from core import setup

    setup.init_extensions(app)
    for name in FEATURES:
        importlib.import_module(name).init_app(app)
    setup.finish(app)
    return app
