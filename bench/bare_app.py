"""The yardstick: a bare Flask endpoint that only upserts one answer row, nothing else.

Same database, same engine settings as the app (quiz.infra.database), no login, no CSRF, no checks.
"""
import os
from datetime import datetime, timezone

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

from quiz.infra import database
from quiz.infra.extensions import NAMING

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
app.config["SQLITE_SYNCHRONOUS"] = os.environ.get("SQLITE_SYNCHRONOUS", "FULL")  # the same durability as the app
database.configure(app)
db = SQLAlchemy(app, metadata=MetaData(naming_convention=NAMING))
with app.app_context():
    database.tune_engine(app, db.engine)

SQL = {
    "sqlite": "INSERT INTO answer (attempt_id, question_id, option_id, option_index, saved_at) "
              "VALUES (:a, :q, :o, 0, :t) ON CONFLICT (attempt_id, question_id) DO UPDATE SET "
              "option_id = excluded.option_id, saved_at = excluded.saved_at",
}
SQL["postgresql"] = SQL["sqlite"]


@app.put("/bare/<int:attempt_id>/<int:question_id>")
def bare(attempt_id: int, question_id: int):
    body = request.get_json()
    db.session.execute(db.text(SQL[db.engine.dialect.name]),
                       {"a": attempt_id, "q": question_id, "o": body["option_id"],
                        "t": datetime.now(timezone.utc).replace(tzinfo=None)})
    db.session.commit()
    return {"ok": True}
