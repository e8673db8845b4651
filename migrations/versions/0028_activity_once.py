"""the form that adds an activity goes through once

Revision ID: 0028_activity_once
Revises: 0023_selections
Create Date: 2026-12-06 01:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_activity_once"
down_revision = "0023_selections"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_token", sa.String(length=43), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_activity_form_token"), ["created_by_id", "form_token"]
        )


def downgrade():
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_activity_form_token"), type_="unique")
        batch_op.drop_column("form_token")
