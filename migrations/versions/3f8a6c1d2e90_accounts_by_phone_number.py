"""accounts by phone number: email optional, the normalised mobile number (unique), the SMS reset code

Old rows' free-text phones are normalised where they are Vietnamese mobile numbers (quiz.accounts.phones)
and left as they were otherwise. ``mobile`` (unique) gets the normalised number of the first account (lowest
id) that has it; a later account with the same number keeps it as its shown ``phone`` but gets no ``mobile``,
so it cannot log in or reset by phone until its owner sets the number in their profile (nothing is lost:
every such account has an email, since email was required before this revision).

Revision ID: 3f8a6c1d2e90
Revises: 4f8b2c6d1e90
Create Date: 2026-12-02 04:10:00

"""
import sqlalchemy as sa
from alembic import op

from quiz.accounts.phones import normalise

# revision identifiers, used by Alembic.
revision = '3f8a6c1d2e90'
down_revision = '4f8b2c6d1e90'
branch_labels = None
depends_on = None

_user = sa.table('user', sa.column('id', sa.Integer), sa.column('phone', sa.String),
                 sa.column('mobile', sa.String), sa.column('email', sa.String))


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch_op.add_column(sa.Column('mobile', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('sms_code_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sms_code_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sms_code_tries', sa.Integer(), server_default='0', nullable=False))
    normalise_old_phones(op.get_bind())
    op.create_index('uq_user_mobile', 'user', ['mobile'], unique=True)


def normalise_old_phones(conn) -> None:
    """Normalise the phones that parse; the first account of each number (by id) gets it as ``mobile``."""
    rows = conn.execute(sa.select(_user.c.id, _user.c.phone).where(_user.c.phone != '').order_by(_user.c.id))
    taken = set()
    for uid, phone in rows.all():
        number = normalise(phone)
        if number is None:
            continue
        values = {'phone': number}
        if number not in taken:
            taken.add(number)
            values['mobile'] = number
        conn.execute(sa.update(_user).where(_user.c.id == uid).values(**values))


def downgrade():
    op.drop_index('uq_user_mobile', table_name='user')
    # Email was required before: an account by phone only gets an address that can receive nothing.
    op.execute(sa.update(_user).where(_user.c.email.is_(None))
               .values(email=sa.literal('phone-') + sa.cast(_user.c.id, sa.String) + sa.literal('@invalid')))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('sms_code_tries')
        batch_op.drop_column('sms_code_until')
        batch_op.drop_column('sms_code_hash')
        batch_op.drop_column('mobile')
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
