"""The reviewed migrations build exactly the schema the models declare."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from workflow.documents.index import include_in_migrations
from workflow.core.extensions import db


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_in_migrations})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_sweep_date_is_filled_in_for_existing_requests(tmp_path, redis_url):
    """9b3f6e2c1a07 computes status_changes_after from the stored deadlines, as the
    application does when it recomputes a request."""
    from datetime import timedelta

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select

    from app import create_app
    from workflow.accounts import users as accounts
    from workflow.core import clock
    from workflow.requests import lifecycle as service
    from workflow.directory.authorities import seed_authorities
    from workflow.models import Authority, AccessRequest, RequestItem

    other = create_app({"TESTING": True, "REDIS_URL": redis_url, "REDIS_EMBEDDED": False,
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.sqlite3'}"})
    with other.app_context():
        upgrade()
        seed_authorities()
        owner = accounts.create_user("alice@example.org", "correct horse battery")
        metz = db.session.scalar(select(Authority).where(Authority.slug == "ville-de-metz"))
        today = clock.today()
        expected = {}
        for number, (events, status) in enumerate([
            ([("sent", today - timedelta(days=3))], "awaiting_response"),
            ([("sent", today - timedelta(days=60))], "implicitly_refused"),
            ([("sent", today - timedelta(days=10)), ("answered", today)], "answered"),
        ]):
            access_request = AccessRequest(reference=f"LNT-2026-{number:04d}", owner_id=owner.id, authority_id=metz.id,
                            subject="Vidéoprotection", items=[RequestItem(position=1, description="Le marché")])
            db.session.add(access_request)
            db.session.commit()
            for type_, day in events:
                service.record_event(access_request, type_, day)
            assert access_request.status == status
            expected[access_request.reference] = access_request.status_changes_after
        assert list(expected.values())[0] is not None and list(expected.values())[1:] == [None, None]

        downgrade(revision="5e0c7a9d2b41")  # SQLite rebuilds the table: no cascade may empty deadlines
        db.session.remove()
        upgrade(revision="9b3f6e2c1a07")  # (5e7a1c9d3b20, later, asks the sweep to recompute every request)
        stored = dict(db.session.execute(select(AccessRequest.reference, AccessRequest.status_changes_after)).all())
        assert stored == expected
        db.session.remove()
        db.engine.dispose()


def test_the_department_names_are_added_to_the_existing_search_texts(tmp_path, redis_url):
    """f4a8c2e6b1d3 computes search_text again for the entries that have a department, with
    the application's folding; its downgrade takes the names out again."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import insert, select

    from app import create_app
    from workflow.models import Authority

    other = create_app({"TESTING": True, "REDIS_URL": redis_url, "REDIS_EMBEDDED": False,
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.sqlite3'}"})
    table = Authority.__table__
    with other.app_context():
        upgrade(revision="e1c5a7b3d9f2")
        db.session.execute(insert(table), [  # written as that revision's application wrote them
            {"name": "Mairie de Montreuil", "city": "Montreuil", "postal_code": "93100", "department_code": "93",
             "search_text": "mairie de montreuil montreuil 93100 93"},
            {"name": "Mairie d'Ajaccio", "city": "", "postal_code": "", "department_code": "2A",
             "search_text": "mairie d ajaccio 2a"},
            {"name": "Sans département", "city": "", "postal_code": "", "department_code": "",
             "search_text": "sans departement"},
        ])
        db.session.commit()
        upgrade()

        def texts():
            db.session.remove()
            return list(db.session.scalars(select(table.c.search_text).order_by(table.c.id)))

        assert texts() == ["mairie de montreuil montreuil 93100 93 seine saint denis",
                           "mairie d ajaccio 2a corse du sud", "sans departement"]
        downgrade(revision="e1c5a7b3d9f2")
        assert texts() == ["mairie de montreuil montreuil 93100 93", "mairie d ajaccio 2a", "sans departement"]
        db.session.remove()
        db.engine.dispose()
