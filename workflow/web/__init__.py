"""Blueprints, one per area."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from workflow.web import (account, authorities, calendar, campaigns, documents, inbound, letters, precedents,
                              requests, subjects)

    for module in (account, authorities, requests, subjects, letters, campaigns, documents, calendar, precedents, inbound):
        app.register_blueprint(module.bp)
