"""Jinja filters and globals shared by every template."""

from flask_babel import format_datetime

from core import labels, nav, regions
from core.money import format_yuan
from core.regions import full_name
from core.timeutil import as_utc


def local_datetime(value, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    return format_datetime(as_utc(value), fmt) if value else "—"


def occupation_name(occupation) -> str:
    """An occupation's name in the page's language (English pages: name_en when there is one)."""
    from flask_babel import get_locale

    if occupation is None:
        return ""
    if str(get_locale() or "zh").startswith("zh"):
        return occupation.name_zh
    return getattr(occupation, "name_en", None) or occupation.name_zh


def colon() -> str:
    """Between a label and its value ("Time left: 59:58"): Chinese pages use the full-width
    colon (剩余时间：59:58), which an ASCII colon beside translated text got wrong."""
    from flask_babel import pgettext

    return pgettext("punctuation", ": ")


def list_separator() -> str:
    """Between items of an inline list (等级 5: 840 元; 等级 4: ...): "；" on Chinese pages."""
    from flask_babel import pgettext

    return pgettext("punctuation", "; ")


def init_app(app) -> None:
    app.jinja_env.filters["local_dt"] = local_datetime
    app.jinja_env.filters["yuan"] = format_yuan
    app.jinja_env.filters["region_name"] = full_name  # 浙江省 嘉兴市 平湖市, never a bare code
    app.jinja_env.globals["nav_items"] = nav.items_for_current_user
    app.jinja_env.globals["region_name"] = regions.full_name
    app.jinja_env.globals["label"] = labels.label
    app.jinja_env.globals["occupation_name"] = occupation_name
    app.jinja_env.globals["colon"] = colon
    app.jinja_env.globals["list_sep"] = list_separator

    @app.context_processor
    def languages():
        from flask_babel import get_locale

        return {"languages": app.config["LANGUAGES"], "current_locale": str(get_locale())}
