"""The CJK font certificates embed: one face of the configured font file. A collection (Debian's
NotoSansCJK-Regular.ttc holds ten faces) is checked at start-up and its Simplified Chinese
face copied once into the instance folder, so each render loads one 16 MB face instead of
handing the whole 20 MB collection to fontconfig and the PDF font subsetter."""

import os
import re
import tempfile
import threading
from pathlib import Path

from core.config import ConfigError

DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DEFAULT_FACE = "Noto Sans CJK SC"
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
              / f"{Path(path).stem}-{slug}-{source.st_size}-{source.st_mtime_ns}.otf")
    if target.is_file():
        return str(target)
    from fontTools.ttLib import TTCollection

    target.parent.mkdir(parents=True, exist_ok=True)
    # Tables are copied as they are (the face's head timestamp too): the same source font
    # always yields the same file, so PDFs stay byte-for-byte reproducible.
    collection = TTCollection(path, lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    try:
        font = next(f for f in collection.fonts if f["name"].getDebugName(1) == face)
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
