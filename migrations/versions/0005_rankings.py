"""rankings: raw view/registration/completion events, daily aggregates, aggregation cursor

The view_event table of 0002 is replaced (raw events without visitor, day or status cannot
be counted by the rules of docs/rankings.md); its rows, if any, are dropped.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    with op.batch_alter_table('view_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_view_event_occurred_at'))
        batch_op.drop_index('ix_view_event_city_time')
    op.drop_table('view_event')
    op.create_table('view_event',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('occurred_ms', sa.BigInteger(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('resource_kind', sa.String(length=16), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('visitor_key', sa.String(length=48), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_view_event'))
    )
    with op.batch_alter_table('view_event', schema=None) as batch_op:
        batch_op.create_index('ix_view_event_time', ['occurred_ms'], unique=False)
        batch_op.create_index('ix_view_event_visitor_time', ['visitor_key', 'occurred_ms'], unique=False)

    op.create_table('registration_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_event')),
    sa.UniqueConstraint('user_id', name=op.f('uq_registration_event_user_id'))
    )
    with op.batch_alter_table('registration_event', schema=None) as batch_op:
        batch_op.create_index('ix_registration_event_day', ['day'], unique=False)

    op.create_table('completion_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('completion_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('credit_cents', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_completion_event')),
    sa.UniqueConstraint('completion_id', name=op.f('uq_completion_event_completion_id'))
    )
    with op.batch_alter_table('completion_event', schema=None) as batch_op:
        batch_op.create_index('ix_completion_event_day', ['day'], unique=False)

    op.create_table('rank_city_day',
    sa.Column('metric', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('metric', 'day', 'city_code', name=op.f('pk_rank_city_day'))
    )
    op.create_table('rank_district_day',
    sa.Column('metric', sa.String(length=16), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('metric', 'city_code', 'day', 'district_code', name=op.f('pk_rank_district_day'))
    )
    op.create_table('rank_course_day',
    sa.Column('metric', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('metric', 'day', 'course_id', 'city_code', name=op.f('pk_rank_course_day'))
    )
    with op.batch_alter_table('rank_course_day', schema=None) as batch_op:
        batch_op.create_index('ix_rank_course_day_city', ['metric', 'city_code', 'day'], unique=False)

    op.create_table('rank_learner_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.PrimaryKeyConstraint('day', 'user_id', name=op.f('pk_rank_learner_day'))
    )
    op.create_table('rank_cursor',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_rank_cursor'))
    )


def downgrade():
    op.drop_table('rank_cursor')
    op.drop_table('rank_learner_day')
    with op.batch_alter_table('rank_course_day', schema=None) as batch_op:
        batch_op.drop_index('ix_rank_course_day_city')
    op.drop_table('rank_course_day')
    op.drop_table('rank_district_day')
    op.drop_table('rank_city_day')
    with op.batch_alter_table('completion_event', schema=None) as batch_op:
        batch_op.drop_index('ix_completion_event_day')
    op.drop_table('completion_event')
    with op.batch_alter_table('registration_event', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_event_day')
    op.drop_table('registration_event')
    with op.batch_alter_table('view_event', schema=None) as batch_op:
        batch_op.drop_index('ix_view_event_visitor_time')
        batch_op.drop_index('ix_view_event_time')
    op.drop_table('view_event')
    # The table as 0002 made it.
    op.create_table('view_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resource_kind', sa.String(length=16), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('visitor_id', sa.String(length=43), nullable=True),
    sa.Column('city_code', sa.String(length=6), nullable=True),
    sa.ForeignKeyConstraint(['city_code'], ['region.code'], name=op.f('fk_view_event_city_code_region')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_view_event_course_id_course'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_view_event_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_view_event'))
    )
    with op.batch_alter_table('view_event', schema=None) as batch_op:
        batch_op.create_index('ix_view_event_city_time', ['city_code', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_view_event_occurred_at'), ['occurred_at'], unique=False)
