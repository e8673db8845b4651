"""studio: one-time tokens of the forms that add courses, lessons and quiz questions

One row per person and token: a second post of the same form (double click, back button
and resubmit) meets the unique constraint and adds nothing.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 20:55:25.006747

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('studio_sent_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('form_token', sa.String(length=43), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_studio_sent_form_course_id_course'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_studio_sent_form_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_studio_sent_form')),
    sa.UniqueConstraint('user_id', 'form_token', name=op.f('uq_studio_sent_form_user_id_form_token'))
    )


def downgrade():
    op.drop_table('studio_sent_form')
