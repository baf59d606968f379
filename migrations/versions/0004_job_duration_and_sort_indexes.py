"""job duration column; indexes for sorting jobs by cost and duration and for finding them by name

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:50:30.365393
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Finished jobs get their duration from the timestamps they already have; later ones get it when they finish.
BACKFILL = {
    'sqlite': "CAST(ROUND((julianday(finished_at) - julianday(started_at)) * 86400000) AS INTEGER)",
    'postgresql': "CAST(ROUND(EXTRACT(EPOCH FROM (finished_at - started_at)) * 1000) AS INTEGER)",
}


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duration_ms', sa.Integer(), nullable=True))

    expression = BACKFILL[op.get_bind().dialect.name]
    op.execute(f"UPDATE jobs SET duration_ms = {expression} "
               "WHERE started_at IS NOT NULL AND finished_at IS NOT NULL")

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_cost', ['cost_usd', 'id'], unique=False)
        batch_op.create_index('ix_jobs_duration', ['duration_ms', 'id'], unique=False)
        batch_op.create_index('ix_jobs_status_cost', ['status', 'cost_usd', 'id'], unique=False)
        batch_op.create_index('ix_jobs_status_duration', ['status', 'duration_ms', 'id'], unique=False)
    # lower(name) reads the same on SQLite and PostgreSQL, so one expression index serves both.
    op.create_index('ix_jobs_name_created', 'jobs', [sa.text('lower(name)'), 'created_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_jobs_name_created', table_name='jobs')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_status_duration')
        batch_op.drop_index('ix_jobs_status_cost')
        batch_op.drop_index('ix_jobs_duration')
        batch_op.drop_index('ix_jobs_cost')
        batch_op.drop_column('duration_ms')
