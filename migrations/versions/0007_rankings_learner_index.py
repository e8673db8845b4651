"""rankings: covering index for the active-learners boards

The boards count distinct learners per city over a window of days; this index holds
every column they read, so the count never visits the table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rank_learner_day', schema=None) as batch_op:
        batch_op.create_index('ix_rank_learner_day_day_city', ['day', 'city_code', 'user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('rank_learner_day', schema=None) as batch_op:
        batch_op.drop_index('ix_rank_learner_day_day_city')
