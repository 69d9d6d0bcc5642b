"""collective prizes by the contest's (or round's) rule: the rule, the minimum of participants, the tiers; the
sum of each unit's members' best scores (score_tally kind s) for the contests that already have attempts

Revision ID: c0e11ec7a1b2
Revises: 4f2b9c7d1e60
Create Date: 2026-12-02 04:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c0e11ec7a1b2'
down_revision = '4f2b9c7d1e60'
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
    op.execute(UNIT_BESTS)


# quiz.contest.tallies.rebuild's count of kind s, for every contest at once (as the code stood at this revision).
_UNIT = "CASE WHEN un.code IS NULL THEN 'u:' || u.unit ELSE 'c:' || un.code END"
UNIT_BESTS = (
    "INSERT INTO score_tally (contest_id, scope, kind, label, score, n) "
    f"SELECT b.contest_id, b.scope, 's', {_UNIT}, 0, sum(b.best) FROM person_best b "
    'JOIN "user" u ON u.id = b.user_id '
    "LEFT JOIN enrollment e ON e.user_id = b.user_id AND e.contest_id = b.contest_id "
    "LEFT JOIN unit un ON un.id = e.unit_id "
    f"GROUP BY b.contest_id, b.scope, {_UNIT}")


def downgrade():
    op.execute("DELETE FROM score_tally WHERE kind = 's'")
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('collective_tiers')
        batch_op.drop_column('collective_min')
        batch_op.drop_column('collective_rule')
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_column('collective_tiers')
        batch_op.drop_column('collective_min')
        batch_op.drop_column('collective_rule')
