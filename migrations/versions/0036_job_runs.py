"""jobs: a job's committed work is marked, so a job run again after a kill does nothing twice

Revision ID: 0033_job_runs
Revises: 0033_active_periods
Create Date: 2026-12-06 05:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033_job_runs"
down_revision = "0033_active_periods"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_done",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_job_done")),
    )
    with op.batch_alter_table("job_done", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_done_done_at"), ["done_at"], unique=False)


def downgrade():
    with op.batch_alter_table("job_done", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_done_done_at"))
    op.drop_table("job_done")
