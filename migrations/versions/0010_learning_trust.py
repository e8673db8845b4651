"""learning: one study clock per learner, the parts of media really played, quiz attempts
issued by the server

- study_clock: per learner, the server time up to which study has been credited.
- lesson_progress.played_ranges: the union of [start, end] seconds really played. Rows
  from before keep what they had credited, as the range [0, credited_seconds].
- quiz_attempt: issued when the quiz is shown (issued_at), submitted once (score, passed
  and submitted_at set together); at most one open attempt per learner and quiz. Rows
  from before were issued when they were submitted.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 21:42:20.413671

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OPEN_ATTEMPT = sa.text('submitted_at IS NULL')


def upgrade():
    op.create_table('study_clock',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('spent_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_study_clock_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_study_clock'))
    )

    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('played_ranges', sa.JSON(), nullable=True))
    ranges = "'[[0,' || credited_seconds || ']]'"
    empty = "'[]'"
    if op.get_bind().dialect.name == 'postgresql':
        ranges, empty = f"({ranges})::json", f"{empty}::json"
    op.execute(
        f"UPDATE lesson_progress SET played_ranges = "
        f"CASE WHEN credited_seconds > 0 THEN {ranges} ELSE {empty} END"
    )
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.alter_column('played_ranges', existing_type=sa.JSON(), nullable=False)

    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE quiz_attempt SET issued_at = submitted_at")
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.alter_column('issued_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)
        batch_op.alter_column('score', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('passed', existing_type=sa.Boolean(), nullable=True)
        batch_op.alter_column('submitted_at', existing_type=sa.DateTime(timezone=True),
                              nullable=True)
        batch_op.create_check_constraint(
            op.f('ck_quiz_attempt_submitted_has_score'),
            'submitted_at IS NULL OR (score IS NOT NULL AND passed IS NOT NULL)',
        )
        batch_op.create_index('uq_quiz_attempt_open', ['user_id', 'lesson_id'], unique=True,
                              sqlite_where=OPEN_ATTEMPT, postgresql_where=OPEN_ATTEMPT)


def downgrade():
    # Attempts never handed in have no score: they go.
    op.execute("DELETE FROM quiz_attempt WHERE submitted_at IS NULL")
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_index('uq_quiz_attempt_open', sqlite_where=OPEN_ATTEMPT,
                            postgresql_where=OPEN_ATTEMPT)
        batch_op.drop_constraint(op.f('ck_quiz_attempt_submitted_has_score'), type_='check')
        batch_op.alter_column('submitted_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)
        batch_op.alter_column('passed', existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column('score', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('issued_at')

    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.drop_column('played_ranges')

    op.drop_table('study_clock')
