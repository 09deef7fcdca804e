"""menu search on PostgreSQL: pg_trgm GIN index on course titles

Revision ID: 0010_menu_trigrams
Revises: 0009_attendance_summary
Create Date: 2026-12-03

PostgreSQL only (SQLite keeps the character-pair table alone): a query of three or more
characters is a LIKE/ILIKE the trigram index answers; shorter ones (电工, 直播) have no
trigram and keep using course_search_terms.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_menu_trigrams'
down_revision = '0009_attendance_summary'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index("ix_courses_title_trgm", "courses", ["title"], postgresql_using="gin",
                    postgresql_ops={"title": "gin_trgm_ops"})


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_courses_title_trgm", table_name="courses")
