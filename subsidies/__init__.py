"""Subsidies: policies, eligibility rules, claims, officer review, payment batches."""

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    from flask import current_app

    from core import labels, nav, signals
    from core.api import register
    from subsidies import api, cli, models, service, views  # noqa: F401

    def ours() -> bool:
        # Any sender (the app or its proxy) is accepted, but each app handles only its own
        # requests: several apps in one process (tests) must not open a claim twice.
        return current_app._get_current_object() is app

    def claim_on_issue(_sender, certificate=None, actor=None, **_kwargs):
        if certificate is not None and ours():
            service.open_claims_safely(certificate, actor)

    def hold_on_revoke(_sender, certificate=None, actor=None, **_kwargs):
        if certificate is not None and ours():
            service.on_certificate_revoked(certificate, actor)

    # Strong references kept on the app: blinker holds receivers weakly.
    app.extensions["subsidies_receivers"] = (claim_on_issue, hold_on_revoke)
    signals.certificate_issued.connect(claim_on_issue)
    signals.certificate_revoked.connect(hold_on_revoke)
    labels.register("claim_state", models.STATE_TITLES)
    labels.register("claim_kind", models.KINDS)
    app.register_blueprint(views.bp)
    app.jinja_env.filters["mask_account"] = models.mask_account
    register(app, api.blp)
    app.cli.add_command(cli.subsidies_cli)
    nav.add(app, "subsidies.mine", _l("My subsidies"), roles=("trainee",), order=40)
    nav.add(app, "subsidies.queue", _l("Subsidy claims"), roles=("officer",), order=40)
    nav.add(app, "subsidies.batch_list", _l("Payment batches"), roles=("admin",), order=40)
