"""jobs: failed background jobs, kept for staff to retry or dismiss

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('failed_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('periodic', sa.Boolean(), nullable=False),
    sa.Column('message', sa.LargeBinary(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('traceback', sa.Text(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('failed', 'retrying', 'resolved', 'dismissed', name='failed_job_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user_account.id'], name=op.f('fk_failed_job_handled_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_job')),
    sa.UniqueConstraint('task_id', name=op.f('uq_failed_job_task_id'))
    )
    with op.batch_alter_table('failed_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_failed_job_name'), ['name'], unique=False)


def downgrade():
    with op.batch_alter_table('failed_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failed_job_name'))
    op.drop_table('failed_job')
