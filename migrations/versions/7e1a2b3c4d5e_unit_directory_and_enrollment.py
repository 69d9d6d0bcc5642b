"""unit directories of organizations, enrollment of people in a contest's unit, unit code on frozen rankings

Revision ID: 7e1a2b3c4d5e
Revises: b7e4d2c9a813
Create Date: 2026-12-02 02:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7e1a2b3c4d5e'
down_revision = 'b7e4d2c9a813'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'unit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('locality_code', sa.String(length=5), nullable=True),
        sa.Column('headcount', sa.Integer(), nullable=True),
        sa.Column('search_text', sa.String(length=260), nullable=False),
        sa.CheckConstraint('headcount is null or headcount >= 0', name=op.f('ck_unit_headcount')),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                                name=op.f('fk_unit_organization_id_organization')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit')),
        sa.UniqueConstraint('organization_id', 'code', name=op.f('uq_unit_organization_id_code')),
    )
    op.create_index('ix_unit_org_name', 'unit', ['organization_id', 'name', 'code', 'search_text'], unique=False)
    op.create_table(
        'enrollment',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('enrolled_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_enrollment_contest_id_contest')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_enrollment_unit_id_unit')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_enrollment_user_id_user')),
        sa.PrimaryKeyConstraint('user_id', 'contest_id', name=op.f('pk_enrollment')),
    )
    op.create_index(op.f('ix_enrollment_unit_id'), 'enrollment', ['unit_id'], unique=False)
    with op.batch_alter_table('ranking_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_code', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('ranking_entry', schema=None) as batch_op:
        batch_op.drop_column('unit_code')
    op.drop_index(op.f('ix_enrollment_unit_id'), table_name='enrollment')
    op.drop_table('enrollment')
    op.drop_index('ix_unit_org_name', table_name='unit')
    op.drop_table('unit')
