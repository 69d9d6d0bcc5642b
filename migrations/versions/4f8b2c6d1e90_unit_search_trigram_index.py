"""unit search: a trigram index on the folded search text (PostgreSQL with pg_trgm only)

Revision ID: 4f8b2c6d1e90
Revises: d3f1a7b2c9e4
Create Date: 2026-12-02 04:20:00

The unit picker searches ``unit.search_text LIKE '%word%'`` for each word. The (organization, name, code,
search_text) index answers a common word by walking in name order and stopping at the 20th match, but a rare
word or none at all makes it read every unit of the directory. On PostgreSQL a GIN index with pg_trgm's
``gin_trgm_ops`` finds the rows holding a word of three letters or more directly; the planner picks one or the
other per query. The extension is created (in schema ``public``) only where the database allows it: when it
cannot be, the index is left out and the search works as before, only slower for rare words. SQLite: nothing.
The index is listed in ``quiz.models.OPTIONAL_INDEXES`` (the models do not declare it). The downgrade drops the
index and leaves the extension, which other schemas of the database may use.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4f8b2c6d1e90'
down_revision = 'd3f1a7b2c9e4'
branch_labels = None
depends_on = None

INDEX = 'ix_unit_search_trgm'


def _trgm_schema(bind) -> str | None:
    """The schema holding pg_trgm, after creating it if it is missing and the database lets us; else None."""
    find = sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                   "WHERE e.extname = 'pg_trgm'")
    schema = bind.execute(find).scalar()
    if schema is None:
        try:
            with bind.begin_nested():  # a refusal (no privilege, not installed) must not end the migration
                bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
        except sa.exc.DBAPIError as exc:
            print(f"pg_trgm is not available ({type(exc.orig).__name__}): the unit search runs without its "
                  "trigram index")
            return None
        schema = bind.execute(find).scalar()
    return schema


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    schema = _trgm_schema(bind)
    if schema is not None:
        # fastupdate off: an import's rows go straight into the index. With GIN's pending list they would wait there
        # for the next vacuum, and the planner, costing that list, keeps scanning the table (measured: 20 ms
        # instead of 0.1 ms for a rare word right after a 20,000-unit import). Directories are written rarely.
        op.execute(f'CREATE INDEX {INDEX} ON unit USING gin (search_text "{schema}".gin_trgm_ops) '
                   'WITH (fastupdate = off)')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP INDEX IF EXISTS {INDEX}')
