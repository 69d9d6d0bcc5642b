"""practice contests, accommodations (extra time and attempts per person), each attempt's own time limit

Revision ID: 4f2b9c7d1e60
Revises: 3f8a6c1d2e90
Create Date: 2026-12-02 04:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4f2b9c7d1e60'
down_revision = '3f8a6c1d2e90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('practice', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_limit_s', sa.Integer(), nullable=True))
    op.create_table(
        'accommodation',
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('extra_time_s', sa.Integer(), nullable=False),
        sa.Column('extra_attempts', sa.Integer(), nullable=False),
        sa.Column('set_by', sa.String(length=254), nullable=False),
        sa.Column('set_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('extra_time_s >= 0 and extra_attempts >= 0 and extra_time_s + extra_attempts > 0',
                           name=op.f('ck_accommodation_extras')),
        sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_accommodation_contest_id_contest')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_accommodation_user_id_user')),
        sa.PrimaryKeyConstraint('contest_id', 'user_id', name=op.f('pk_accommodation')),
    )


def downgrade():
    op.drop_table('accommodation')
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_column('time_limit_s')
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_column('practice')
