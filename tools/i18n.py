"""Per-feature message catalogues: each feature folder owns `<feature>/translations/`.

`python tools/i18n.py check` lists msgids two catalogues translate differently (they share one
pool at run time, so the last loaded would win; tests/core/test_i18n.py fails on any).
`python tools/i18n.py update [FEATURE ...]` extracts each (or the named) feature's Python and
`templates/<feature>/` strings and merges them into its zh catalogue; `compile` builds the .mo
files Flask-Babel loads.
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


def update(*only: str) -> None:
    for feature in features():
        if only and feature.name not in only:
            continue
        tdir = feature / "translations"
        tdir.mkdir(exist_ok=True)
        pot = tdir / "messages.pot"
        pybabel("extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                "-k", "lazy_pgettext:1c,2",
                "--no-location", "--omit-header", "-o", str(pot), *sources(feature))
        for locale in LOCALES:
            po = tdir / locale / "LC_MESSAGES" / "messages.po"
            verb = "update" if po.exists() else "init"
            extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if verb == "update" else []
            pybabel(verb, "-i", str(pot), "-d", str(tdir), "-l", locale, *extra)


def collisions() -> dict:
    """(context, msgid) pairs that two catalogues translate differently: in the merged
    catalogue Flask-Babel serves, the last feature loaded would win for every feature."""
    from babel.messages.pofile import read_po

    seen: dict[tuple, dict[str, str]] = {}
    for feature in features():
        for po in sorted((feature / "translations").glob("*/LC_MESSAGES/messages.po")):
            with po.open("rb") as handle:
                catalogue = read_po(handle)
            locale = po.parts[-3]
            for message in catalogue:
                if not message.id or not message.string:
                    continue
                key = (locale, message.context, str(message.id))
                seen.setdefault(key, {})[feature.name] = str(message.string)
    return {(ctx, msgid): by_feature for (_locale, ctx, msgid), by_feature in seen.items()
            if len(set(by_feature.values())) > 1}


def check(*_args) -> None:
    found = collisions()
    for (ctx, msgid), by_feature in found.items():
        print(f"{ctx or '-'} | {msgid!r}: {by_feature}")
    sys.exit(1 if found else 0)


def compile_all(*_args) -> None:
    for feature in features():
        tdir = feature / "translations"
        if any(tdir.glob("*/LC_MESSAGES/messages.po")):
            pybabel("compile", "-d", str(tdir))


if __name__ == "__main__":
    {"update": update, "compile": compile_all, "check": check}[sys.argv[1]](*sys.argv[2:])
