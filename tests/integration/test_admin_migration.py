"""Migration 0004 gives jobs that finished before it their duration, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from alembic import command
from sqlalchemy import create_engine, text

from app.ops.migrate import alembic_config, upgrade


def test_finished_jobs_get_their_duration_when_migrating(database_url):
    upgrade(database_url, "0003")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        insert = text("INSERT INTO jobs (id, name, template_id, description, spec, options, status, progress, "
                      "created_at, started_at, finished_at, tokens_in, tokens_out, cost_usd, files_count, verified, "
                      "usage, report) VALUES (:id, 'x', 'react-app', '', '{}', '{}', :status, 0, :start, :start, "
                      ":end, 0, 0, 0, 0, false, '{}', '{}')")
        start = datetime(2026, 3, 1, 12, 0, 0, 250000)
        connection.execute(insert, {"id": "a" * 32, "status": "completed", "start": start,
                                    "end": datetime(2026, 3, 1, 12, 1, 30, 750000)})
        connection.execute(insert, {"id": "b" * 32, "status": "running", "start": start, "end": None})

    upgrade(database_url)

    with engine.connect() as connection:
        durations = dict(connection.execute(text("SELECT id, duration_ms FROM jobs")).all())
    assert durations == {"a" * 32: 90500, "b" * 32: None}
    command.downgrade(alembic_config(database_url), "0003")
    upgrade(database_url)
    engine.dispose()
