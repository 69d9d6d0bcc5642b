"""privacy: consent to the notice, erased accounts, erasures in a freeze's history; audit entries name
participants by account id only

Nullable columns, no default: adding them rewrites no user row. Accounts made before this version have no
consent recorded: they give it at their next start of an attempt (a page asks; the API answers 403
``consent_required``).

The audit log is append-only (triggers refuse UPDATE and DELETE). From this version on it keeps no personal
details of participants (quiz.infra.audit.person): this migration applies that rule once to the entries
written before, lifting the triggers for that moment only, as the schema's owner: a participant's email and
address as actor become empty (the account id stays), a participant's email as target becomes their id, and
the state logged by user.create keeps only id and role.

Revision ID: 5d0c6a1e2f47
Revises: c17ba34ac0bf
Create Date: 2026-11-24 10:12:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5d0c6a1e2f47'
down_revision = 'c17ba34ac0bf'
branch_labels = None
depends_on = None

REFUSAL = "audit_entry is append-only"
SQLITE_TRIGGERS = [f"CREATE TRIGGER audit_entry_no_{verb.lower()} BEFORE {verb} ON audit_entry "
                   f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END" for verb in ("UPDATE", "DELETE")]

audit = sa.table("audit_entry", sa.column("id", sa.Integer), sa.column("actor_id", sa.Integer),
                 sa.column("actor_email", sa.String), sa.column("action", sa.String),
                 sa.column("target_type", sa.String), sa.column("target_id", sa.String),
                 sa.column("after", sa.JSON), sa.column("ip", sa.String))
user = sa.table("user", sa.column("id", sa.Integer), sa.column("email", sa.String), sa.column("role", sa.String))


def _pseudonymise(bind) -> None:
    people = {row.id: row.email for row in bind.execute(sa.select(user.c.id, user.c.email)
                                                          .where(user.c.role == "participant"))}
    if not people:
        return
    by_email = {email: uid for uid, email in people.items()}
    changes = []
    for e in bind.execute(sa.select(audit).where(sa.or_(audit.c.actor_id.in_(list(people)),
                                                          audit.c.target_type == "user"))):
        new = {}
        if e.actor_id in people and (e.actor_email or e.ip):
            new.update(actor_email="", ip=None)
        if e.target_type == "user" and e.target_id in by_email:
            uid = by_email[e.target_id]
            new["target_id"] = str(uid)
            if e.action == "user.create":
                new["after"] = {"id": uid, "role": "participant"}
        if new:
            changes.append((e.id, new))
    if not changes:
        return
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_change")
    else:
        op.execute("DROP TRIGGER audit_entry_no_update")
    for entry_id, new in changes:
        bind.execute(audit.update().where(audit.c.id == entry_id).values(**new))
    if postgres:
        op.execute("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_change")
    else:
        op.execute(SQLITE_TRIGGERS[0])


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_version', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('consented_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('ranking_freeze', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erasures', sa.JSON(), nullable=True))

    _pseudonymise(op.get_bind())


def downgrade():
    # The pseudonymised audit entries stay as they are: what was taken out is not put back.
    with op.batch_alter_table('ranking_freeze', schema=None) as batch_op:
        batch_op.drop_column('erasures')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('consented_at')
        batch_op.drop_column('consent_version')
