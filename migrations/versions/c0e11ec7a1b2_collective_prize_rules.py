"""collective prizes by the contest's (or round's) rule: the rule, the minimum of participants, the tiers

Revision ID: c0e11ec7a1b2
Revises: 7e1a2b3c4d5e
Create Date: 2026-12-02 04:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c0e11ec7a1b2'
down_revision = '7e1a2b3c4d5e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('collective_rule', sa.String(length=20), server_default='participants',
                                      nullable=False))
        batch_op.add_column(sa.Column('collective_min', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('collective_tiers', sa.JSON(), nullable=True))
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('collective_rule', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('collective_min', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('collective_tiers', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('collective_tiers')
        batch_op.drop_column('collective_min')
        batch_op.drop_column('collective_rule')
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_column('collective_tiers')
        batch_op.drop_column('collective_min')
        batch_op.drop_column('collective_rule')
