"""The CJK font certificates embed: one face of the configured font file. A collection (Debian's
NotoSansCJK-Regular.ttc holds ten faces) is checked at start-up and its Simplified Chinese
face copied once into the instance folder, so each render loads one 16 MB face instead of
handing the whole 20 MB collection to fontconfig and the PDF font subsetter.

The copy has its glyphs reordered, common ones first. WeasyPrint's subset keeps glyph ids, so
it holds an (empty) slot for every id up to the highest one used: in the collection's order
Chinese sits at ids 9,000-63,000 and fullwidth brackets near 59,000, so every certificate
embedded ~60,000 slots (776 KB before compression) for ~80 glyphs, and subsetting and
compressing that was most of a render. With ASCII, punctuation and the 3,755 common (GB 2312
level 1) hanzi first, the subset stops at ~4,000. Every glyph stays in the face: the order
only decides speed, never which characters print."""

import os
import re
import tempfile
import threading
from pathlib import Path

from core.config import ConfigError

DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DEFAULT_FACE = "Noto Sans CJK SC"
# Bumped when the extracted file's recipe changes, so existing instance folders extract afresh.
RECIPE = "r2"
FAMILY = "SB CJK"  # the name the certificate stylesheet uses for whichever face is configured
_extracted: dict[tuple, str] = {}
_lock = threading.Lock()


def is_collection(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"ttcf"


def face_names(path: str) -> list[str]:
    """Family names of a collection's faces, in file order (reads only the name tables)."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection(path, lazy=True)
    try:
        return [font["name"].getDebugName(1) for font in collection.fonts]
    finally:
        collection.close()


def check_font(app) -> None:
    """A missing CJK font (or a collection without the configured face) is a start-up error,
    never boxes on a certificate."""
    path = app.config.setdefault("CERTIFICATE_FONT_PATH",
                                 os.environ.get("CERTIFICATE_FONT_PATH", DEFAULT_FONT))
    face = app.config.setdefault("CERTIFICATE_FONT_FACE",
                                 os.environ.get("CERTIFICATE_FONT_FACE", DEFAULT_FACE))
    if not Path(path).is_file():
        raise ConfigError(
            f"CJK font for certificates not found at {path}: install Debian's fonts-noto-cjk "
            "(apt-get install fonts-noto-cjk) or set CERTIFICATE_FONT_PATH.")
    if is_collection(path):
        names = face_names(path)
        if face not in names:
            raise ConfigError(
                f"The font collection {path} has no face named {face!r} (it has "
                f"{', '.join(names)}): set CERTIFICATE_FONT_FACE to one of them.")


def face_file(app) -> str:
    """The single-face font file to embed: the configured file itself, or the configured face
    of a collection, extracted on first use into instance/fonts/ (named after the source's
    size and mtime, so a font package upgrade extracts afresh)."""
    path = app.config["CERTIFICATE_FONT_PATH"]
    face = app.config.get("CERTIFICATE_FONT_FACE", DEFAULT_FACE)
    source = os.stat(path)
    key = (os.path.realpath(path), face, source.st_size, source.st_mtime_ns, app.instance_path)
    if key in _extracted:
        return _extracted[key]
    with _lock:
        if key not in _extracted:
            _extracted[key] = path if not is_collection(path) else _extract(app, path, face,
                                                                            source)
    return _extracted[key]


def _extract(app, path: str, face: str, source: os.stat_result) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", face).strip("-")
    target = (Path(app.instance_path) / "fonts"
              / f"{Path(path).stem}-{slug}-{source.st_size}-{source.st_mtime_ns}-{RECIPE}.otf")
    if target.is_file():
        return str(target)
    from fontTools.ttLib import TTCollection

    target.parent.mkdir(parents=True, exist_ok=True)
    # Tables are copied as they are (the face's head timestamp too) but for the glyph order,
    # which is computed from the font alone: the same source font always yields the same
    # file, so PDFs stay byte-for-byte reproducible.
    collection = TTCollection(path, lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    try:
        font = next(f for f in collection.fonts if f["name"].getDebugName(1) == face)
        _common_glyphs_first(font)
        # Written beside the target and renamed: app servers and workers starting together
        # never read a half-written file.
        handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".part")
        os.close(handle)
        try:
            font.save(partial, reorderTables=False)
            os.replace(partial, target)
        except BaseException:
            os.unlink(partial)
            raise
    finally:
        collection.close()
    return str(target)


def _gb2312(first: int, last: int) -> list[int]:
    """Code points of GB 2312 rows first..last (0xB0-0xD7: level 1, the 3,755 common hanzi,
    0xD8-0xF7: level 2), in code order."""
    points = []
    for row in range(first, last + 1):
        for cell in range(0xA1, 0xFF):
            try:
                points.append(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return points


def _tiers() -> list[list[int]]:
    """Characters in the order their glyphs should come: what every certificate prints
    (ASCII, Chinese punctuation, fullwidth forms), the common hanzi, then the rest of
    GB 2312 (symbols, Latin-1, level 2). Anything else keeps the source order after these."""
    punctuation = [0xB7, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026,
                   *range(0x3000, 0x3012), *range(0xFF01, 0xFF5F)]
    return [[*range(0x20, 0x7F), *punctuation], _gb2312(0xB0, 0xD7),
            [*range(0xA0, 0x100), *_gb2312(0xA1, 0xA9), *_gb2312(0xD8, 0xF7)]]


# Substitutions HarfBuzz makes in horizontal Chinese text without being asked (the digits'
# locl, the fi ligature): their results belong in the same tier as the characters.
_DEFAULT_FEATURES = {"ccmp", "locl", "liga", "rlig", "calt", "clig", "rclt"}


def _default_substitutions(font) -> list:
    """The single and ligature substitution subtables of the default features for Chinese
    (ZHS) and each script's default language; other lookup types only affect speed."""
    if "GSUB" not in font:
        return []
    table = font["GSUB"].table
    features = set()
    for script in table.ScriptList.ScriptRecord:
        systems = [script.Script.DefaultLangSys] + [
            record.LangSys for record in script.Script.LangSysRecord
            if record.LangSysTag == "ZHS "]
        for system in filter(None, systems):
            features.update(system.FeatureIndex)
    lookups = {index for i in features
               if table.FeatureList.FeatureRecord[i].FeatureTag in _DEFAULT_FEATURES
               for index in table.FeatureList.FeatureRecord[i].Feature.LookupListIndex}
    subtables = []
    for index in sorted(lookups):
        for sub in table.LookupList.Lookup[index].SubTable:
            sub = getattr(sub, "ExtSubTable", sub)  # extension lookups wrap the real one
            if sub.LookupType in (1, 4):
                subtables.append(sub)
    return subtables


def _closure(glyphs: list[str], known: set[str], subtables: list) -> list[str]:
    """Glyphs the substitutions can make from `glyphs` (and `known`), not already known."""
    have, added = known | set(glyphs), []
    changed = True
    while changed:
        changed = False
        for sub in subtables:
            if sub.LookupType == 1:
                made = [out for src, out in sorted(sub.mapping.items()) if src in have]
            else:
                made = [lig.LigGlyph for first, ligatures in sorted(sub.ligatures.items())
                        if first in have for lig in ligatures
                        if all(part in have for part in lig.Component)]
            for glyph in made:
                if glyph not in have:
                    have.add(glyph)
                    added.append(glyph)
                    changed = True
    return added


def _common_glyphs_first(font) -> None:
    """Reorder the face's glyphs: .notdef, then each tier's glyphs and what the default
    substitutions make of them, then the rest in their original order."""
    from fontTools.ttLib.reorderGlyphs import reorderGlyphs

    original = font.getGlyphOrder()
    cmap = font.getBestCmap()
    subtables = _default_substitutions(font)
    order, placed = [original[0]], {original[0]}
    for tier in _tiers():
        glyphs = [cmap[point] for point in tier if point in cmap]
        glyphs = list(dict.fromkeys(g for g in glyphs if g not in placed))
        for glyph in [*glyphs, *_closure(glyphs, placed, subtables)]:
            if glyph not in placed:
                placed.add(glyph)
                order.append(glyph)
    order += [glyph for glyph in original if glyph not in placed]
    font.ensureDecompiled()
    reorderGlyphs(font, order)
