"""accounts: county (区/县) centre staff, looking after one district of one city

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 00:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

ROLES_BEFORE = "'learner', 'editor', 'city_staff', 'province_staff'"
ROLES_AFTER = "'learner', 'editor', 'county_staff', 'city_staff', 'province_staff'"


def _replace_checks(roles: str, regional: str) -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_user_role'), type_='check')
        batch_op.drop_constraint(op.f('ck_user_account_staff_has_region'), type_='check')
        batch_op.create_check_constraint('user_role', f"role IN ({roles})")
        batch_op.create_check_constraint(
            'staff_has_region', f"role NOT IN ({regional}) OR managed_region_code IS NOT NULL"
        )


def upgrade():
    _replace_checks(ROLES_AFTER, "'county_staff', 'city_staff', 'editor'")


def downgrade():
    op.execute("UPDATE user_account SET role = 'learner', managed_region_code = NULL "
               "WHERE role = 'county_staff'")
    _replace_checks(ROLES_BEFORE, "'city_staff', 'editor'")
