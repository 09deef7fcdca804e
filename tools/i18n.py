"""Per-feature message catalogues: each feature folder owns `<feature>/translations/`.

`python tools/i18n.py update` extracts the feature's Python and `templates/<feature>/` strings
and merges them into its zh catalogue; `compile` builds the .mo files Flask-Babel loads.
Keeping catalogues per feature lets features be developed side by side without conflicts.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {"tests", "bench", "migrations", "tools", "static", "templates", "instance"}
LOCALES = ("zh",)


def features() -> list[Path]:
    return sorted(
        p for p in ROOT.iterdir()
        if p.is_dir() and p.name not in SKIP and (p / "__init__.py").exists()
    )


def sources(feature: Path) -> list[str]:
    paths = [str(feature)]
    templates = ROOT / "templates" / feature.name
    if templates.exists():
        paths.append(str(templates))
    if feature.name == "core":  # the shared layout and error pages belong to core
        paths += [str(ROOT / "templates" / "base.html"), str(ROOT / "templates" / "macros.html"),
                  str(ROOT / "templates" / "errors")]
    return [p for p in paths if Path(p).exists()]


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", *args], check=True)


def update() -> None:
    for feature in features():
        tdir = feature / "translations"
        tdir.mkdir(exist_ok=True)
        pot = tdir / "messages.pot"
        pybabel("extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                "--no-location", "--omit-header", "-o", str(pot), *sources(feature))
        for locale in LOCALES:
            po = tdir / locale / "LC_MESSAGES" / "messages.po"
            verb = "update" if po.exists() else "init"
            extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if verb == "update" else []
            pybabel(verb, "-i", str(pot), "-d", str(tdir), "-l", locale, *extra)


def compile_all() -> None:
    for feature in features():
        tdir = feature / "translations"
        if any(tdir.glob("*/LC_MESSAGES/messages.po")):
            pybabel("compile", "-d", str(tdir))


if __name__ == "__main__":
    {"update": update, "compile": compile_all}[sys.argv[1]]()
