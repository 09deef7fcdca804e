"""PDF rendering: a sandboxed Jinja template fed plain values, WeasyPrint with a locked-down
URL fetcher, one face of the configured CJK font, a QR code as a one-bit PNG, the signed
payload embedded as an attachment."""

import atexit
import base64
import hashlib
import json
import os
import threading
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

import segno
from flask import current_app
from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment

from certificates import fonts

ATTACHMENT_NAME = "skillbridge-certificate.json"
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "certificates"
STYLESHEET = TEMPLATE_DIR / "pdf.css"
_env: ImmutableSandboxedEnvironment | None = None
_styles: dict[str, dict] = {}
_styles_lock = threading.Lock()
# Dropped before the interpreter tears modules down: a FontConfiguration removes its temporary
# font folder when collected, which fails (and leaves the folder) during shutdown.
atexit.register(_styles.clear)


def environment() -> ImmutableSandboxedEnvironment:
    global _env
    if _env is None:
        _env = ImmutableSandboxedEnvironment(loader=FileSystemLoader(str(TEMPLATE_DIR)),
                                             autoescape=select_autoescape(default=True),
                                             undefined=StrictUndefined)
    return _env


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class LockedFetcher(URLFetcher):
        """Only data: URIs, files under the app's static folder and the configured font."""

        def __init__(self, static_dir: str, font_paths: list[str]):
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
            self.static_dir = os.path.realpath(static_dir)
            self.font_paths = {os.path.realpath(path) for path in font_paths}

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if not url.startswith("file://"):
                raise ValueError(f"certificate PDFs may not fetch {url[:80]}")
            from urllib.parse import unquote, urlsplit

            path = os.path.realpath(unquote(urlsplit(url).path))
            if path not in self.font_paths and os.path.commonpath(
                    [path, self.static_dir]) != self.static_dir:
                raise ValueError(f"certificate PDFs may not read {path}")
            return super().fetch(url, headers)

    return LockedFetcher


def url_fetcher(app=None):
    app = app or current_app
    return _fetcher_class()(app.static_folder, [path for _, path in fonts.families(app)])


def qr_data_uri(url: str) -> str:
    # A fixed mask: choosing the best of eight (segno's default) cost ~15 ms per certificate,
    # and any mask is valid ISO/IEC 18004 that phone scanners read. One pixel per module,
    # scaled up unsmoothed by the stylesheet (image-rendering: pixelated). Eight-bit grey, not
    # segno's one-bit PNG: WeasyPrint embeds a grey PNG's pixels as they are, but converts a
    # one-bit one to RGB and encodes it twice (~3 ms a certificate).
    from PIL import Image

    code = segno.make(url, error="m", micro=False, mask=0)
    side = len(code.matrix)
    pixels = bytes(0 if dark else 255 for row in code.matrix for dark in row)
    png = BytesIO()
    Image.frombytes("L", (side, side), pixels).save(png, format="PNG")
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")


def styles(app=None) -> dict:
    """The font configuration and the parsed stylesheets, once per process and font face:
    parsing the CSS and registering a 16 MB face with fontconfig per certificate cost more
    than laying it out. `font` is the @font-face rules alone (the bench's one-line page uses
    them)."""
    app = app or current_app
    face = fonts.face_file(app)
    if face not in _styles:
        with _styles_lock:
            if face not in _styles:
                _styles[face] = _parse_styles(app, face)
    return _styles[face]


def _parse_styles(app, face: str) -> dict:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    fetcher = url_fetcher(app)
    font = CSS(string="".join(f'@font-face {{ font-family: "{family}"; '
                              f'src: url("{Path(path).as_uri()}"); }}'
                              for family, path in fonts.families(app)),
               font_config=config, url_fetcher=fetcher)
    page = CSS(string=STYLESHEET.read_text(encoding="utf-8"), font_config=config,
               url_fetcher=fetcher)
    return {"font_config": config, "font": font, "stylesheets": [font, page]}


def render_html(values: dict) -> str:
    return environment().get_template("pdf.html").render(**values)


def render_pdf(values: dict, signed: dict, app=None) -> bytes:
    """`values`: plain strings and numbers for the template; `signed`: the embedded
    attachment ({"payload", "signature", "kid"})."""
    from weasyprint import Attachment

    app = app or current_app
    parsed = styles(app)
    # Dated by the issue, not the render (WeasyPrint's default is now()): the same
    # certificate renders to the same bytes, which store_pdf relies on.
    issued = signed["payload"].get("issued_at")
    issued = datetime.fromisoformat(issued).astimezone(UTC) if issued else None
    # One fetcher for both: left to itself, Attachment builds a second urllib opener (~1 ms).
    fetcher = url_fetcher(app)
    html = html_document(render_html(values), Path(app.static_folder).as_uri() + "/", fetcher)

    def write(**identifier) -> bytes:
        # A fresh Attachment per write: WeasyPrint reads its source once.
        attachment = Attachment(
            string=json.dumps(signed, ensure_ascii=False, sort_keys=True),
            name=ATTACHMENT_NAME, created=issued, modified=issued,
            description="SkillBridge signed certificate payload (Ed25519)", url_fetcher=fetcher)
        return html.write_pdf(stylesheets=parsed["stylesheets"],
                              font_config=parsed["font_config"], attachments=[attachment],
                              **identifier)

    document = with_identifier(write(), values["serial"])
    if document is None:  # no cross-reference stream to add it to: WeasyPrint's own way
        document = write(pdf_identifier=values["serial"].encode("ascii"))
    return document


_TREE_CHECKED_ON = "70"  # WeasyPrint major version html_document's hand-over was checked on


def html_document(markup: str, base_url: str, fetcher):
    """WeasyPrint's HTML for the certificate markup, its tree parsed by expat: WeasyPrint's
    pure-Python HTML5 parser took ~2 ms of each render for a page this small. The template
    is well-formed XML and the values are escaped, so expat reads the tree the HTML parser
    would (tests/certificates/test_pdf.py compares the bytes); markup expat refuses (a
    control character in a value) goes through the HTML parser as before."""
    import weasyprint
    from weasyprint import HTML

    # The hand-over sets two attributes WeasyPrint's HTML keeps internal: only on the major
    # version it was checked against; any other parses the markup the public way.
    if weasyprint.__version__.split(".")[0] != _TREE_CHECKED_ON:
        return HTML(string=markup, base_url=base_url, url_fetcher=fetcher)
    try:
        root = ElementTree.fromstring(markup)
    except ElementTree.ParseError:
        return HTML(string=markup, base_url=base_url, url_fetcher=fetcher)
    import cssselect2

    # Built by WeasyPrint from an empty page, then given our tree: what HTML.__init__ does
    # with the tree it parses (weasyprint/__init__.py).
    document = HTML(string="", base_url=base_url, url_fetcher=fetcher)
    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(
        root, content_language=None)
    document.etree_element = document.wrapper_element.etree_element
    return document


def with_identifier(document: bytes, serial: str) -> bytes | None:
    """The serial as the document ID, plain text in the trailer: even a copy too damaged to
    parse still says which certificate it claims to be. Added here rather than through
    WeasyPrint's pdf_identifier, which makes pydyf serialise and compress every object a
    second time to hash them (~4 ms a certificate). The trailer is the cross-reference
    stream's dictionary, the file's last object: bytes added inside it move no offset the
    file records (startxref points at the object's start)."""
    trailer = document.rfind(b"/Type /XRef")
    if trailer < 0 or b"/ID [" in document[trailer:]:
        return None  # a classic xref table, or an ID already there
    # [permanent, changing] as the spec has it: the serial, then a digest of the bytes.
    ident = b"/ID [(%s) (%s)] " % (serial.encode("ascii"),
                                   hashlib.md5(document, usedforsecurity=False)
                                   .hexdigest().encode("ascii"))
    return document[:trailer] + ident + document[trailer:]


class UnreadablePdf(ValueError):
    """The upload is not a PDF pypdf can read within our limits (truncated, hostile, broken)."""


# A certificate's attachment is a few KB of JSON: anything that decompresses to more, nests
# deeper or declares longer streams than this is not one of ours, and must not cost a worker
# its memory (a 200 KB deflate bomb would otherwise inflate to pypdf's default 75 MB).
_PDF_LIMITS = {
    "maximum_declared_stream_length": 12 * 1024 * 1024,
    "array_based_stream_maximum_output_length": 2 * 1024 * 1024,
    "array_maximum_element_count": 10_000,
    "dictionary_maximum_element_count": 10_000,
    "zlib_maximum_output_length": 2 * 1024 * 1024,
    "zlib_maximum_recovery_input_length": 1024 * 1024,
    "lzw_maximum_output_length": 2 * 1024 * 1024,
    "run_length_maximum_output_length": 2 * 1024 * 1024,
    "brotli_maximum_output_length": 2 * 1024 * 1024,
    "jbig2_maximum_output_length": 2 * 1024 * 1024,
    "image_maximum_buffer_size": 2 * 1024 * 1024,
    "stream_decoding_work_maximum_length": 8 * 1024 * 1024,
    "named_destinations_maximum_entries": 1_000,
    "named_destinations_maximum_depth": 20,
    "jbig2dec_binary": None,
}


def embedded_payload(pdf_bytes: bytes) -> dict | None:
    """The signed payload attached to a certificate PDF, or None when there is none; raises
    UnreadablePdf when the bytes cannot be read as a PDF within the limits above."""
    from io import BytesIO

    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import PyPdfError

    try:
        with apply_configuration(**_PDF_LIMITS):
            reader = PdfReader(BytesIO(pdf_bytes), strict=False,
                               root_object_recovery_limit=1_000,
                               xref_stream_maximum_entries=100_000)
            data = reader.attachments.get(ATTACHMENT_NAME)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, IndexError, AttributeError,
            RecursionError, MemoryError, OverflowError) as exc:
        raise UnreadablePdf(type(exc).__name__) from exc
    if not data:
        return None
    try:
        value = json.loads(data[0])
    except (ValueError, TypeError, IndexError):
        return None
    return value if isinstance(value, dict) else None
