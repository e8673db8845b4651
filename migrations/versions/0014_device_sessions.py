"""accounts: device sessions the server can end (sign-out, sign out everywhere, timeouts)

Replaces the per-user session token, which could only end every session at once.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('device_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('device', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.Enum('signed_out', 'ended_by_owner', 'password_changed', 'expired', 'access_changed', name='device_session_end_reason', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_device_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_device_session_token_hash'))
    )
    with op.batch_alter_table('device_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_session_user_id'), ['user_id'], unique=False)
    # Every existing sign-in ends: its cookies named the old per-user token.
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_token')


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), nullable=False, server_default='ended'))
    with op.batch_alter_table('device_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_session_user_id'))
    op.drop_table('device_session')
