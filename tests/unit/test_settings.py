"""Settings come from the environment and `.env`, with DESIGN.md's defaults, and fail fast when wrong."""

import os
import stat

import pytest

from app.settings import SettingsError, load_settings


def test_defaults_keep_everything_in_the_instance_folder(tmp_path):
    settings = load_settings({"INSTANCE_PATH": str(tmp_path / "inst")}, dotenv=None)

    assert settings.database_url == f"sqlite:///{tmp_path / 'inst' / 'codegen.db'}"
    assert settings.embedded_redis
    assert settings.effective_redis_url == f"unix://{tmp_path / 'inst' / 'redis' / 'redis.sock'}"
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 5000, 2)
    assert settings.effective_provider == "offline"
    assert settings.registration_open is True


def test_secret_key_is_generated_once_private_and_reused(tmp_path):
    first = load_settings({"INSTANCE_PATH": str(tmp_path)}, dotenv=None).secret_key
    second = load_settings({"INSTANCE_PATH": str(tmp_path)}, dotenv=None).secret_key

    assert first == second and len(first) == 64
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


def test_explicit_secret_key_wins_and_writes_nothing(tmp_path):
    settings = load_settings({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "s3cret"}, dotenv=None)

    assert settings.secret_key == "s3cret"
    assert not (tmp_path / "secret_key").exists()


def test_dotenv_is_read_and_the_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("PORT=6000\nHOST=0.0.0.0\nCODEGEN_WORKERS=3\n")

    settings = load_settings({"INSTANCE_PATH": str(tmp_path), "PORT": "7000"}, dotenv=dotenv)

    assert (settings.host, settings.port, settings.workers) == ("0.0.0.0", 7000, 3)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORT", "http", "PORT must be an integer"),
        ("PORT", "0", "PORT must be at least 1"),
        ("CODEGEN_WORKERS", "-2", "CODEGEN_WORKERS must be at least 1"),
        ("CODEGEN_PROVIDER", "gemini", "CODEGEN_PROVIDER must be one of auto, offline, openai"),
        ("REGISTRATION_OPEN", "maybe", "REGISTRATION_OPEN must be true or false"),
    ],
)
def test_a_bad_setting_is_named(tmp_path, name, value, message):
    with pytest.raises(SettingsError, match=message):
        load_settings({"INSTANCE_PATH": str(tmp_path), name: value}, dotenv=None)


def test_openai_provider_needs_a_key(tmp_path):
    with pytest.raises(SettingsError, match="OPENAI_API_KEY"):
        load_settings({"INSTANCE_PATH": str(tmp_path), "CODEGEN_PROVIDER": "openai"}, dotenv=None)


def test_auto_provider_picks_openai_when_a_key_is_set(tmp_path):
    settings = load_settings({"INSTANCE_PATH": str(tmp_path), "OPENAI_API_KEY": "sk-test",
                              "OPENAI_BASE_URL": "http://127.0.0.1:8000/v1"}, dotenv=None)

    assert settings.effective_provider == "openai"
    assert settings.openai_base_url == "http://127.0.0.1:8000/v1"


@pytest.mark.parametrize("scheme", ["postgres://", "postgresql://"])
def test_postgres_urls_use_the_psycopg3_driver(tmp_path, scheme):
    settings = load_settings({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": scheme + "u:p@db/codegen"},
                             dotenv=None)

    assert settings.database_url == "postgresql+psycopg://u:p@db/codegen"
