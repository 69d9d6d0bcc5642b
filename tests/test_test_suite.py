"""The test suite's own layout: shared code lives in tests/helpers.py and conftest.py, never in a test module."""
import ast

from tests.helpers import ROOT


def imported_modules(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:  # relative: from .test_x import y
            names |= {f"tests.{node.module or ''}".rstrip(".")}
    return names


def test_no_module_imports_a_test_module_or_conftest():
    """A helper or fixture two test modules need goes to tests/helpers.py (or a plugin named in conftest)."""
    modules = sorted((ROOT / "tests").glob("*.py"))
    assert len(modules) > 20
    wrong = {path.name: sorted(name for name in imported_modules(path)
                               if name.startswith(("tests.test_", "tests.conftest")) or name == "conftest"
                               or name.startswith("test_"))
             for path in modules}
    assert {name: found for name, found in wrong.items() if found} == {}


def test_the_check_sees_the_ways_of_importing(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import tests.test_api\nfrom tests.conftest import x\nfrom .test_pages import token\n"
                      "from tests.helpers import ApiClient\n", encoding="utf-8")
    assert imported_modules(sample) == {"tests.test_api", "tests.conftest", "tests.test_pages", "tests.helpers"}
