"""Blueprints, one per area."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from workflow.views import account, authorities, calendar, campaigns, documents, requests

    for module in (account, authorities, requests, campaigns, documents, calendar):
        app.register_blueprint(module.bp)
