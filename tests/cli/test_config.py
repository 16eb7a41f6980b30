"""Configuration from the environment and the embedded defaults."""
import stat

import redis

from workflow.core import embedded_redis
from workflow.core.config import load_or_create_secret_key, normalise_database_url, settings_from_environment


def test_embedded_defaults_live_under_the_instance_folder(tmp_path):
    settings = settings_from_environment(str(tmp_path), {})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lanterne.sqlite3'}"
    assert settings["REDIS_URL"] == f"unix://{tmp_path / 'redis' / 'redis.sock'}"
    assert settings["REDIS_EMBEDDED"] is True
    assert settings["MAIL_SERVER"] == ""
    assert settings["TRUSTED_PROXIES"] == 0  # X-Forwarded-For is believed from no one


def test_environment_overrides_the_defaults(tmp_path):
    settings = settings_from_environment(str(tmp_path), {
        "DATABASE_URL": "postgres://lanterne@db.example/lanterne",
        "REDIS_URL": "redis://cache.example:6379/2",
        "SECRET_KEY": "from-the-environment",
        "MAIL_SERVER": "smtp.example.org", "MAIL_PORT": "587", "MAIL_USE_TLS": "true", "TRUSTED_PROXIES": "1",
    })
    assert settings["TRUSTED_PROXIES"] == 1
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://lanterne@db.example/lanterne"
    assert settings["REDIS_URL"] == "redis://cache.example:6379/2"
    assert settings["REDIS_EMBEDDED"] is False
    assert settings["SECRET_KEY"] == "from-the-environment"
    assert (settings["MAIL_SERVER"], settings["MAIL_PORT"], settings["MAIL_USE_TLS"]) == ("smtp.example.org", 587, True)


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = load_or_create_secret_key(tmp_path)
    second = load_or_create_secret_key(tmp_path)
    assert first == second
    assert len(first) == 64
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert load_or_create_secret_key(tmp_path / "other") != first


def test_database_url_normalisation_keeps_other_urls():
    assert normalise_database_url("sqlite:////tmp/x.sqlite3") == "sqlite:////tmp/x.sqlite3"
    assert normalise_database_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"


def test_embedded_redis_persists_scheduled_data_across_restarts(tmp_path):
    url, process = embedded_redis.start(tmp_path)
    try:
        assert process is not None
        # A second start finds the running server and starts nothing.
        assert embedded_redis.start(tmp_path) == (url, None)
        redis.Redis.from_url(url).set("lanterne:probe", "kept")
    finally:
        embedded_redis.stop(process)
    assert not embedded_redis.is_answering(url)

    url, process = embedded_redis.start(tmp_path)
    try:
        assert redis.Redis.from_url(url).get("lanterne:probe") == b"kept"
    finally:
        embedded_redis.stop(process)
