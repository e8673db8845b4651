"""search entries: the names a document is found by besides its title (did you mean)

Revision ID: 0037_search_also
Revises: 0033_job_runs
Create Date: 2026-12-06 06:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0037_search_also"
down_revision = "0033_job_runs"
branch_labels = None
depends_on = None


def upgrade():
    # Entries written before have none until they are rewritten (`flask search rebuild`):
    # "did you mean" then reads their titles only, as before.
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("also", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.drop_column("also")
