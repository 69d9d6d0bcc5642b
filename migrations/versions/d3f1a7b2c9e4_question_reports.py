"""question reports: a participant's report of a problem with a question, as shown in their attempt

Revision ID: d3f1a7b2c9e4
Revises: 7e1a2b3c4d5e
Create Date: 2026-12-02 04:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd3f1a7b2c9e4'
down_revision = '7e1a2b3c4d5e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'question_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('shown', sa.JSON(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('resolution', sa.Text(), server_default='', nullable=False),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("status in ('open','resolved')", name=op.f('ck_question_report_status')),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_question_report_attempt_id_attempt')),
        sa.ForeignKeyConstraint(['question_id'], ['question.id'],
                                name=op.f('fk_question_report_question_id_question')),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id'], name=op.f('fk_question_report_resolved_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_question_report')),
    )
    op.create_index(op.f('ix_question_report_attempt_id'), 'question_report', ['attempt_id'], unique=False)
    op.create_index('ix_question_report_question', 'question_report', ['question_id', 'status'], unique=False)
    op.create_index('ix_question_report_status', 'question_report', ['status', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_question_report_status', table_name='question_report')
    op.drop_index('ix_question_report_question', table_name='question_report')
    op.drop_index(op.f('ix_question_report_attempt_id'), table_name='question_report')
    op.drop_table('question_report')
