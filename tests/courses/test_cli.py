"""`flask menu import FILE`: progress, per-line errors, all or nothing."""

from sqlalchemy import func, select

from core.extensions import db
from courses.models import Institution, Occupation, Platform

CSV = """kind,name,website,region_code,licence_number,code,name_zh,name_en,levels,shortage_regions
platform,技能强国,https://skills.example.cn,,,,,,,
institution,平湖市职业技能培训中心,,330482,3304822026001,,,,,
occupation,,,,,4-01-02-07,互联网营销师,Internet marketing specialist,54321,33 43
"""


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_csv(runner, tmp_path):
    path = tmp_path / "menu.csv"
    path.write_text(CSV, encoding="utf-8")
    result = runner.invoke(args=["menu", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert (count(Platform), count(Institution), count(Occupation)) == (1, 1, 1)
    occupation = db.session.scalar(select(Occupation))
    assert occupation.shortage_in("330482") and not occupation.shortage_in("110105")
    # importing the same file again updates, it does not duplicate
    assert runner.invoke(args=["menu", "import", str(path)]).exit_code == 0
    assert (count(Platform), count(Institution), count(Occupation)) == (1, 1, 1)


def test_import_with_one_bad_line_imports_nothing(runner, tmp_path):
    path = tmp_path / "menu.csv"
    path.write_text(CSV + "institution,坏机构,,999999,X1,,,,,\nspaceship,,,,,,,,,\n",
                    encoding="utf-8")
    result = runner.invoke(args=["menu", "import", str(path)])
    assert result.exit_code != 0
    assert "line 5" in result.output and "line 6" in result.output
    assert "nothing was imported" in result.output
    assert (count(Platform), count(Institution), count(Occupation)) == (0, 0, 0)


def test_import_unreadable_file(runner, tmp_path):
    path = tmp_path / "menu.json"
    path.write_text("{oops", encoding="utf-8")
    result = runner.invoke(args=["menu", "import", str(path)])
    assert result.exit_code != 0 and "cannot read" in result.output
