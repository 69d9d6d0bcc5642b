"""judges' verdicts, the reason of each ranking version, one prize per person across rounds

Revision ID: b7e4d2c9a813
Revises: 7aaece53f3a8
Create Date: 2026-11-25 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import quiz.models

# revision identifiers, used by Alembic.
revision = 'b7e4d2c9a813'
down_revision = '7aaece53f3a8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'verdict',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('verdict', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('decided_by', sa.String(length=254), nullable=False),
        sa.Column('decided_at', quiz.models.UTCDateTime(), nullable=False),
        sa.CheckConstraint("verdict in ('verified','disqualified','pending')", name=op.f('ck_verdict_verdict')),
        sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_verdict_contest_id_contest')),
        sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_verdict_round_id_round')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_verdict_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verdict')),
        sa.UniqueConstraint('contest_id', 'scope', 'user_id', name='uq_verdict_scope_user'),
    )
    with op.batch_alter_table('ranking_freeze', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('one_prize_per_person', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_column('one_prize_per_person')
    with op.batch_alter_table('ranking_freeze', schema=None) as batch_op:
        batch_op.drop_column('reason')
    op.drop_table('verdict')
