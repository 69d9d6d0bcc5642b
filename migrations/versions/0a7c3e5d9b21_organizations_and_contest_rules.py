"""organizations, their staff and contests, and each contest's rules page

Nullable columns (and an empty default for the rules): contests and staff from before belong to the
platform, as they did.

Revision ID: 0a7c3e5d9b21
Revises: 5c0de2025a01
Create Date: 2026-12-01 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0a7c3e5d9b21'
down_revision = '5c0de2025a01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'organization',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('contact', sa.Text(), server_default='', nullable=False),
        sa.Column('logo', sa.LargeBinary(), nullable=True),
        sa.Column('logo_hash', sa.String(length=16), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organization')),
        sa.UniqueConstraint('slug', name=op.f('uq_organization_slug')),
    )
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organization_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rules', sa.Text(), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_contest_organization_id'), ['organization_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_contest_organization_id_organization'), 'organization',
                                    ['organization_id'], ['id'])
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organization_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_user_organization_id_organization'), 'organization',
                                    ['organization_id'], ['id'])


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_organization_id_organization'), type_='foreignkey')
        batch_op.drop_column('organization_id')
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contest_organization_id_organization'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contest_organization_id'))
        batch_op.drop_column('rules')
        batch_op.drop_column('organization_id')
    op.drop_table('organization')
