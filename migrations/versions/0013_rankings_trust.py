"""rankings: numbers people can trust

- view_event: pseudonyms of the client's address and network (caps per address and network);
- registration_event: when (ms), source (self / staff), address and network pseudonyms, and
  the staff decision that excluded it; registration_review: those decisions (the audit trail);
- credit_event: the ledger postings the credits metric counts. Existing postings are
  copied in (deposits for the learner's present city, reversals for their deposit's city)
  and the credits aggregates of every day are recomputed from them;
  completion_event.credit_cents (course credit values) goes.

Registrations made before this revision are taken as self-registrations without a time or
network (bursts cannot be told for them).

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-04 21:37:03.246069

"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from alembic import op
from flask import current_app
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None

DEPOSIT_KINDS = ('completion', 'attendance', 'recognition')
SOURCE = sa.Enum('self', 'staff', name='registration_source', native_enum=False,
                 create_constraint=True, length=8)


def upgrade():
    with op.batch_alter_table('view_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address_key', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('network_key', sa.String(length=32), nullable=True))

    op.create_table('registration_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('network_key', sa.String(length=32), nullable=False),
    sa.Column('burst_start_ms', sa.BigInteger(), nullable=False),
    sa.Column('burst_end_ms', sa.BigInteger(), nullable=False),
    sa.Column('registrations', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('staff_name', sa.String(length=80), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['user_account.id'], name=op.f('fk_registration_review_staff_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_review'))
    )
    with op.batch_alter_table('registration_review', schema=None) as batch_op:
        batch_op.create_index('ix_registration_review_city', ['city_code', 'decided_at'], unique=False)

    with op.batch_alter_table('registration_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('occurred_ms', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('source', SOURCE, nullable=False, server_default='self'))
        batch_op.add_column(sa.Column('address_key', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('network_key', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('excluded_by_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('registration_event', schema=None) as batch_op:
        batch_op.alter_column('source', existing_type=SOURCE, server_default=None)
        batch_op.create_index('ix_registration_event_network', ['network_key', 'occurred_ms'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_registration_event_excluded_by_id_registration_review'), 'registration_review', ['excluded_by_id'], ['id'])

    op.create_table('credit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('credit_cents', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_event')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_credit_event_entry_id'))
    )
    with op.batch_alter_table('credit_event', schema=None) as batch_op:
        batch_op.create_index('ix_credit_event_day', ['day'], unique=False)
    _copy_ledger_postings()
    _recompute_credit_aggregates()

    with op.batch_alter_table('completion_event', schema=None) as batch_op:
        batch_op.drop_column('credit_cents')


def _site_zone() -> ZoneInfo:
    try:
        return ZoneInfo(current_app.config.get('BABEL_DEFAULT_TIMEZONE') or 'Asia/Shanghai')
    except RuntimeError:
        return ZoneInfo('Asia/Shanghai')


def _copy_ledger_postings() -> None:
    """The credit_event rows the live path would have written for the existing ledger."""
    entries = sa.table(
        'ledger_entry', sa.column('id', sa.Integer), sa.column('account_id', sa.Integer),
        sa.column('amount', sa.BigInteger), sa.column('kind', sa.String),
        sa.column('reverses_id', sa.Integer), sa.column('created_at', sa.DateTime(timezone=True)),
    )
    accounts = sa.table('credit_account', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer))
    users = sa.table(
        'user_account', sa.column('id', sa.Integer), sa.column('city_code', sa.String),
        sa.column('district_code', sa.String),
    )
    events = sa.table(
        'credit_event', sa.column('entry_id', sa.Integer), sa.column('user_id', sa.Integer),
        sa.column('kind', sa.String), sa.column('day', sa.Date), sa.column('city_code', sa.String),
        sa.column('district_code', sa.String), sa.column('credit_cents', sa.BigInteger),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(entries.c.id, entries.c.amount, entries.c.kind, entries.c.reverses_id,
                  entries.c.created_at, accounts.c.user_id, users.c.city_code,
                  users.c.district_code)
        .join(accounts, accounts.c.id == entries.c.account_id)
        .join(users, users.c.id == accounts.c.user_id)
        .where(entries.c.kind.in_((*DEPOSIT_KINDS, 'reversal')))
        .order_by(entries.c.id)
    )
    zone = _site_zone()
    counted: dict[int, tuple[str, str]] = {}
    copied = []
    for entry_id, cents, kind, reverses_id, created_at, user_id, city, district in rows:
        if kind in DEPOSIT_KINDS:
            place = (city, district or '')
        elif reverses_id in counted:  # only the reversal of a counted deposit subtracts
            place = counted[reverses_id]
        else:
            continue
        counted[entry_id] = place
        if isinstance(created_at, str):  # SQLite without the column type's help
            created_at = datetime.fromisoformat(created_at)
        moment = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
        copied.append({'entry_id': entry_id, 'user_id': user_id, 'kind': kind,
                       'day': moment.astimezone(zone).date(), 'city_code': place[0],
                       'district_code': place[1], 'credit_cents': int(cents)})
    for start in range(0, len(copied), 5000):
        connection.execute(sa.insert(events), copied[start:start + 5000])


def _recompute_credit_aggregates() -> None:
    op.execute("DELETE FROM rank_city_day WHERE metric = 'credits'")
    op.execute("DELETE FROM rank_district_day WHERE metric = 'credits'")
    op.execute(
        "INSERT INTO rank_city_day (metric, day, city_code, value) "
        "SELECT 'credits', day, city_code, SUM(credit_cents) FROM credit_event "
        "GROUP BY day, city_code"
    )
    op.execute(
        "INSERT INTO rank_district_day (metric, city_code, day, district_code, value) "
        "SELECT 'credits', city_code, day, district_code, SUM(credit_cents) FROM credit_event "
        "GROUP BY city_code, day, district_code"
    )


def downgrade():
    with op.batch_alter_table('completion_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_cents', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('credit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_event_day')
    op.drop_table('credit_event')

    with op.batch_alter_table('registration_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registration_event_excluded_by_id_registration_review'), type_='foreignkey')
        batch_op.drop_index('ix_registration_event_network')
        batch_op.drop_constraint(batch_op.f('ck_registration_event_registration_source'), type_='check')
        batch_op.drop_column('excluded_by_id')
        batch_op.drop_column('network_key')
        batch_op.drop_column('address_key')
        batch_op.drop_column('source')
        batch_op.drop_column('occurred_ms')

    with op.batch_alter_table('registration_review', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_review_city')
    op.drop_table('registration_review')

    with op.batch_alter_table('view_event', schema=None) as batch_op:
        batch_op.drop_column('network_key')
        batch_op.drop_column('address_key')
