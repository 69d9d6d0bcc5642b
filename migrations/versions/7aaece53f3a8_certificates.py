"""certificates: issued prize and participation certificates with their codes

Revision ID: 7aaece53f3a8
Revises: 0a7c3e5d9b21
Create Date: 2026-12-02 01:34:51.722940

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '7aaece53f3a8'
down_revision = '0a7c3e5d9b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('round_key', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('prize', sa.String(length=80), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.CheckConstraint("kind in ('prize','participation')", name=op.f('ck_certificate_kind')),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_certificate_contest_id_contest')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_certificate_round_id_round')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_certificate_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_certificate_code')),
    sa.UniqueConstraint('user_id', 'contest_id', 'round_key', 'kind', 'prize', name=op.f('uq_certificate_user_id_contest_id_round_key_kind_prize'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index('ix_certificate_scope', ['contest_id', 'round_key', 'kind'], unique=False)



def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('ix_certificate_scope')

    op.drop_table('certificate')
