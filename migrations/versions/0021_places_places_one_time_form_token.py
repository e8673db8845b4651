"""places: the one-time token of the staff form that added a place (a second post of the
same form adds nothing; issue 15).

Revision ID: 0021_places
Revises: 0020
Create Date: 2026-12-05 22:04:46.096640

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_places'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('learning_place', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_token', sa.String(length=43), nullable=True))
        batch_op.create_unique_constraint('uq_learning_place_form_token', ['created_by_id', 'form_token'])



def downgrade():
    with op.batch_alter_table('learning_place', schema=None) as batch_op:
        batch_op.drop_constraint('uq_learning_place_form_token', type_='unique')
        batch_op.drop_column('form_token')

