"""The layers hold: the domain (contest rules, accounts, the bank, files), the models, the errors and the audit
log import neither Flask nor Werkzeug's HTTP side nor the web layer, and the infrastructure never imports the web
layer. ``werkzeug.security`` (password hashing, no HTTP in it) is the one part of Werkzeug the domain may use."""
import ast
from pathlib import Path

import pytest

QUIZ = Path(__file__).resolve().parent.parent / "quiz"
DOMAIN = [*(p for pkg in ("contest", "accounts", "bank", "files") for p in sorted((QUIZ / pkg).rglob("*.py"))),
          QUIZ / "models.py", QUIZ / "errors.py", QUIZ / "infra" / "audit.py"]
INFRA = sorted((QUIZ / "infra").rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def web_or_flask(name: str) -> bool:
    if name == "werkzeug.security" or name.startswith("werkzeug.security."):
        return False
    top = name.split(".")[0]
    return top in ("flask", "werkzeug") or top.startswith("flask_") or name == "quiz.web" \
        or name.startswith("quiz.web.")


@pytest.mark.parametrize("path", DOMAIN, ids=lambda p: str(p.relative_to(QUIZ)))
def test_the_domain_imports_no_flask_and_no_web_layer(path):
    assert not sorted(n for n in imported(path) if web_or_flask(n))


@pytest.mark.parametrize("path", INFRA, ids=lambda p: str(p.relative_to(QUIZ)))
def test_the_infrastructure_does_not_import_the_web_layer(path):
    assert not sorted(n for n in imported(path) if n == "quiz.web" or n.startswith("quiz.web."))


def test_the_check_sees_what_it_should(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import flask_login\nfrom werkzeug.exceptions import x\nfrom werkzeug.security import y\n\n"
                   "def f():\n    from quiz.web import api\n    from flask import request\n")
    assert sorted(n for n in imported(bad) if web_or_flask(n)) == [
        "flask", "flask.request", "flask_login", "quiz.web", "quiz.web.api", "werkzeug.exceptions",
        "werkzeug.exceptions.x"]
    assert len(DOMAIN) > 30 and len(INFRA) > 5
