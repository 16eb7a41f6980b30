"""The pages' Jinja globals are registered in one place, workflow/web/templating.py; the
view modules only define routes."""
from pathlib import Path

import workflow.web
from workflow.web import templating


def test_globals_that_read_the_database_come_from_templating(app):
    for name in ("documents_panel", "campaign_documents", "document_max_bytes"):
        assert app.jinja_env.globals[name] is getattr(templating, name)


def test_view_modules_register_no_template_globals():
    for module in Path(workflow.web.__file__).parent.glob("*.py"):
        if module.name != "templating.py":
            source = module.read_text(encoding="utf-8")
            assert "jinja_env" not in source and "context_processor" not in source, module.name
