"""Header navigation registry: each feature adds its links in its init_app."""

from dataclasses import dataclass

from flask import current_app, url_for
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy gettext string, translated when rendered
    roles: tuple[str, ...] | None  # None: everyone, () : logged-in users of any role
    order: int = 50


def add(app, endpoint: str, label, roles: tuple[str, ...] | None = None, order: int = 50) -> None:
    app.extensions.setdefault("skillbridge_nav", []).append(NavItem(endpoint, label, roles, order))


def items_for_current_user() -> list[dict]:
    items = sorted(current_app.extensions.get("skillbridge_nav", []), key=lambda i: i.order)
    visible = []
    for item in items:
        if item.roles is not None:
            if not current_user.is_authenticated:
                continue
            if item.roles and current_user.role not in item.roles:
                continue
        visible.append({"url": url_for(item.endpoint), "label": str(item.label),
                        "endpoint": item.endpoint})
    return visible
