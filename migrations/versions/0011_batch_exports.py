"""subsidies: when a payment batch's file was first downloaded, and by whom

Revision ID: 0011_batch_exports
Revises: 0010_menu_trigrams
Create Date: 2026-12-08

A certificate revoked after the bank got the file must not silently leave the batch (the
bank may pay it anyway): from the first export on, its claim stays and is flagged for
recovery. Batches downloaded before this migration are unknown (NULL): treated as not yet
exported, as before.
"""
from alembic import op
import sqlalchemy as sa
import core.models  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision = '0011_batch_exports'
down_revision = '0010_menu_trigrams'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exported_at', core.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('exported_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_payment_batches_exported_by_id_users'),
                                    'users', ['exported_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('payment_batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payment_batches_exported_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('exported_by_id')
        batch_op.drop_column('exported_at')
