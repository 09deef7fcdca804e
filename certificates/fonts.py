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
only decides speed, never which characters print.

HarfBuzz's subsetter also reads the whole face each time (~12 ms for 65,535 glyphs against
~2 ms for 14,000), so certificates print from a second, smaller file cut from the first:
GB 2312 and what its substitutions reach, same glyph ids. The stylesheet names it first and
the full face second ("SB CJK", "SB CJK Full"): a character it lacks (a rare name) comes
from the full face, embedded as a second subset in that certificate only."""

import os
import re
import tempfile
import threading
from pathlib import Path

from core.config import ConfigError

DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DEFAULT_FACE = "Noto Sans CJK SC"
# Bumped when the extracted file's recipe changes, so existing instance folders extract afresh.
RECIPE = "r3"
FAMILY = "SB CJK"  # the name the certificate stylesheet uses for whichever face is configured
FULL_FAMILY = "SB CJK Full"  # the whole face, behind the common-characters file
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


def families(app) -> list[tuple[str, str]]:
    """(CSS family, file) of the faces the stylesheet lists: the common characters' file
    and the full face when the face was extracted here, else the configured file alone."""
    full = face_file(app)
    common = _common_file(full)
    return [(FAMILY, common), (FULL_FAMILY, full)] if common else [(FAMILY, full)]


def _extract(app, path: str, face: str, source: os.stat_result) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", face).strip("-")
    target = (Path(app.instance_path) / "fonts"
              / f"{Path(path).stem}-{slug}-{source.st_size}-{source.st_mtime_ns}-{RECIPE}.otf")
    if target.is_file():
        return str(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # In a child process: fontTools leaves ~140 MB behind in whichever process reorders the
    # face, and that would be an app server's or a worker's for the rest of its life.
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    try:
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as child:
            child.submit(_write_faces, path, face, str(target)).result()
    except (AssertionError, OSError):  # a daemonic process may not start children
        _write_faces(path, face, str(target))
    return str(target)


def _write_faces(path: str, face: str, target: str) -> None:
    from fontTools.ttLib import TTCollection

    target = Path(target)
    # Tables are copied as they are (the face's head timestamp too) but for the glyph order,
    # which is computed from the font alone: the same source font always yields the same
    # file, so PDFs stay byte-for-byte reproducible.
    collection = TTCollection(path, lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    try:
        font = next(f for f in collection.fonts if f["name"].getDebugName(1) == face)
        tier_glyphs = _common_glyphs_first(font)
        # Written beside the target and renamed: app servers and workers starting together
        # never read a half-written file.
        handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".part")
        os.close(handle)
        try:
            font.save(partial, reorderTables=False)
            common = _cut_common(partial, tier_glyphs)
            if common is not None:
                _write(_common_path(target), common)
            os.replace(partial, target)
        except BaseException:
            os.unlink(partial)
            raise
    finally:
        collection.close()


def _common_path(full: Path) -> Path:
    return full.with_name(full.stem + "-common.otf")


def _common_file(full: str) -> str | None:
    """Written before the full face is renamed into place, so present whenever it is (unless
    HarfBuzz could not cut it: then the full face serves alone)."""
    if not Path(full).name.endswith(f"-{RECIPE}.otf"):
        return None  # a configured single-face file is used as it is
    common = _common_path(Path(full))
    return str(common) if common.is_file() else None


def _write(target: Path, data: bytes) -> None:
    handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(partial, target)


def _cut_common(full: str, count: int) -> bytes | None:
    """The first `count` glyphs of the reordered face and whatever any GSUB feature makes of
    them, ids unchanged, cut by the HarfBuzz subsetter WeasyPrint loads (0.6 s; fontTools
    takes 10-25 s). None when that library lacks what this needs."""
    try:
        from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset

        if not hasattr(harfbuzz, "hb_face_create"):
            ffi.cdef("""
                hb_blob_t * hb_blob_create_from_file (const char *file_name);
                hb_face_t * hb_face_create (hb_blob_t *blob, unsigned int index);
                void hb_set_clear (hb_set_t *set);
                void hb_set_invert (hb_set_t *set);""")
        blob = ffi.gc(harfbuzz.hb_blob_create_from_file(full.encode()), harfbuzz.hb_blob_destroy)
        face = ffi.gc(harfbuzz.hb_face_create(blob, 0), harfbuzz.hb_face_destroy)
        plan = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(),
                      harfbuzz_subset.hb_subset_input_destroy)
        harfbuzz.hb_set_add_sorted_array(harfbuzz_subset.hb_subset_input_glyph_set(plan),
                                         ffi.new(f"hb_codepoint_t[{count}]",
                                                 list(range(count))), count)
        # Every layout feature, name and language kept: only glyphs are left out.
        for kind in ("LAYOUT_FEATURE_TAG", "NAME_ID", "NAME_LANG_ID"):
            keep = harfbuzz_subset.hb_subset_input_set(
                plan, getattr(harfbuzz_subset, f"HB_SUBSET_SETS_{kind}"))
            harfbuzz.hb_set_clear(keep)
            harfbuzz.hb_set_invert(keep)
        harfbuzz_subset.hb_subset_input_set_flags(
            plan, harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
            | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED)
        cut = harfbuzz_subset.hb_subset_or_fail(face, plan)
        if cut == ffi.NULL:
            return None
        cut = ffi.gc(cut, harfbuzz.hb_face_destroy)
        data = ffi.gc(harfbuzz.hb_face_reference_blob(cut), harfbuzz.hb_blob_destroy)
        length = ffi.new("unsigned int *")
        pointer = harfbuzz.hb_blob_get_data(data, length)
        return ffi.unpack(pointer, length[0]) if length[0] else None
    except (ImportError, AttributeError, OSError, TypeError):
        return None


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


def _common_glyphs_first(font) -> int:
    """Reorder the face's glyphs: .notdef, then each tier's glyphs and what the default
    substitutions make of them, then the rest in their original order. Returns how many
    glyphs the tiers took."""
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
    tiers = len(order)
    order += [glyph for glyph in original if glyph not in placed]
    font.ensureDecompiled()
    reorderGlyphs(font, order)
    return tiers
