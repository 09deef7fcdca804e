"""attendance: stored per trainee x course summary for the exam gate

Revision ID: 0009_attendance_summary
Revises: 0008_accounts_i18n
Create Date: 2026-12-01

The table is created empty: attendance.summary_store computes and stores a row from the
evidence the first time it is read or written, and `flask attendance rebuild-summaries`
fills or repairs every row at once.
"""
from alembic import op
import sqlalchemy as sa
import core.models  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision = '0009_attendance_summary'
down_revision = '0008_accounts_i18n'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendance_summaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('lesson_seconds', sa.Integer(), server_default='0', nullable=False),
    sa.Column('offline_seconds', sa.Integer(), server_default='0', nullable=False),
    sa.Column('live_seconds', sa.Integer(), server_default='0', nullable=False),
    sa.Column('updated_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('lesson_seconds >= 0', name=op.f('ck_attendance_summaries_lesson_not_negative')),
    sa.CheckConstraint('offline_seconds >= 0', name=op.f('ck_attendance_summaries_offline_not_negative')),
    sa.CheckConstraint('live_seconds >= 0', name=op.f('ck_attendance_summaries_live_not_negative')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_attendance_summaries_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trainee_id'], ['users.id'], name=op.f('fk_attendance_summaries_trainee_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_summaries')),
    sa.UniqueConstraint('trainee_id', 'course_id', name=op.f('uq_attendance_summaries_trainee_id_course_id'))
    )
    with op.batch_alter_table('attendance_summaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_summaries_course_id'), ['course_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attendance_summaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_summaries_course_id'))
    op.drop_table('attendance_summaries')
