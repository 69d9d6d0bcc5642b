"""official locality codes: the person's ward, kept in frozen rankings too

Nullable columns, no default: adding them rewrites no rows; people from before (and imported results) keep
their free-text locality and have no code.

Revision ID: 5c0de2025a01
Revises: 5d0c6a1e2f47
Create Date: 2026-12-02 01:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '5c0de2025a01'
down_revision = '5d0c6a1e2f47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locality_code', sa.String(length=5), nullable=True))

    with op.batch_alter_table('ranking_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locality_code', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('ranking_entry', schema=None) as batch_op:
        batch_op.drop_column('locality_code')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('locality_code')
