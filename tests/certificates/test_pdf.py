"""The PDF a holder downloads: Chinese name, serial and occupation as text, embedded CJK font,
a QR code that decodes to the verification URL, the signed payload attached."""

import re
import shutil
import subprocess

import pytest

from certificates import documents, fonts, pdf, signing
from tests.factories import api_headers

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"),
                                reason="poppler-utils (pdftotext) is not installed")


@pytest.fixture
def pdf_bytes(client, trainee, certificate):
    response = client.get(f"/api/v1/certificates/{certificate.serial}/pdf",
                          headers=api_headers(client, trainee))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    return response.data


def test_pdf_text_font_and_first_page_image(pdf_bytes, certificate, tmp_path, artifacts_dir):
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf_bytes)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "李春花" in text and certificate.serial in text
    assert "互联网营销师" in text and "职业技能等级证书" in text
    assert "Vocational Skill Level Certificate" in text
    assert certificate.holder_id_masked in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # emb column
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+1\n", info) and "841.89 x 595.276" in info  # A4 landscape
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile",
                    str(path), str(artifacts_dir / "certificate-first-page")], check=True)
    assert (artifacts_dir / "certificate-first-page.png").stat().st_size > 10_000


def test_qr_code_decodes_to_the_verification_url(pdf_bytes, certificate, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    path = tmp_path / "c.pdf"
    path.write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-png", "-r", "200", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    results = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    urls = [r.text for r in results]
    assert urls == [f"http://localhost/verify/{certificate.serial}?s={certificate.signature}"]


def test_signed_payload_is_embedded_and_verifies(pdf_bytes, certificate):
    embedded = pdf.embedded_payload(pdf_bytes)
    assert embedded["kid"] == certificate.key_id
    assert embedded["payload"]["serial"] == certificate.serial
    assert signing.verify(signing.canonical(embedded["payload"]), embedded["signature"],
                          embedded["kid"])


def test_revoked_pdf_carries_a_watermark(client, trainee, officer, certificate, tmp_path):
    client.post(f"/api/v1/certificates/{certificate.serial}/revoke", json={"reason": "作废"},
                headers=api_headers(client, officer))
    data = client.get(f"/api/v1/certificates/{certificate.serial}/pdf",
                      headers=api_headers(client, trainee)).data
    from pypdf import PdfReader

    text = PdfReader(__import__("io").BytesIO(data)).pages[0].extract_text()
    assert "REVOKED" in text.replace(" ", "")  # rotated text: pdftotext skips it
    check = client.post("/api/v1/certificates/verify-pdf",
                        data={"file": (__import__("io").BytesIO(data), "r.pdf")},
                        content_type="multipart/form-data").get_json()
    assert check == {"result": "authentic", "serial": certificate.serial, "status": "revoked",
                     "sha256": check["sha256"]}


def test_url_fetcher_refuses_network_and_outside_files(app):
    fetcher = pdf.url_fetcher(app)
    for url in ("http://example.com/x.png", "https://127.0.0.1/", "file:///etc/passwd",
                "ftp://example.com/x", f"file://{app.static_folder}/../app.py"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    response = fetcher.fetch(f"file://{app.static_folder}/favicon.svg")
    try:
        assert b"<svg" in response.read()
    finally:
        response.close()


def test_template_is_sandboxed_and_escapes_values(app, certificate):
    values = documents.pdf_values(certificate)
    values["holder_name"] = "<img src='http://evil.example/x'>{{ 7*7 }}"
    html = pdf.render_html(values)
    assert "<img src='http" not in html and "&lt;img" in html
    assert "{{ 7*7 }}" in html  # values are data, never template code
    from jinja2.exceptions import SecurityError

    env = pdf.environment()
    with pytest.raises(SecurityError):
        env.from_string("{{ ''.__class__.__mro__[1].__subclasses__() }}").render()


def test_missing_font_is_a_startup_error(monkeypatch, tmp_path):
    """init_app runs this check; a bare Flask object keeps the shared extensions untouched
    (a half-built app would rebind them for the rest of the suite)."""
    from flask import Flask

    from core.config import ConfigError

    monkeypatch.setenv("CERTIFICATE_FONT_PATH", str(tmp_path / "nope.ttc"))
    with pytest.raises(ConfigError, match="fonts-noto-cjk"):
        fonts.check_font(Flask("font-check"))
    configured = Flask("font-check")
    configured.config["CERTIFICATE_FONT_PATH"] = str(tmp_path / "also-missing.otf")
    with pytest.raises(ConfigError, match="also-missing.otf"):
        fonts.check_font(configured)


def test_the_embedded_font_is_one_face_extracted_from_the_collection(app, pdf_bytes, tmp_path):
    face = fonts.face_file(app)
    assert app.config["CERTIFICATE_FONT_PATH"] == fonts.DEFAULT_FONT
    assert face.startswith(app.instance_path) and not fonts.is_collection(face)
    from fontTools.ttLib import TTFont

    with TTFont(face, lazy=True) as font:
        assert font["name"].getDebugName(1) == fonts.DEFAULT_FACE
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf_bytes)
    rows = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    # One font, a subset (ABCDEF+ prefix, "sub" yes) of the extracted face, and no other.
    assert len(rows) == 1 and re.match(r"[A-Z]{6}\+SB-CJK ", rows[0]), rows
    assert rows[0].split()[-5:-2] == ["yes", "yes", "yes"], rows  # emb, sub, uni
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "李春花" in text and "直播销售员五级实训班" in text


def test_the_extracted_face_puts_common_glyphs_first_and_keeps_every_glyph(app):
    """The glyph order only decides how big each PDF's subset is; no glyph may change."""
    from fontTools.ttLib import TTCollection, TTFont

    with TTFont(fonts.face_file(app), lazy=True) as face:
        order, cmap = face.getGlyphOrder(), face.getBestCmap()
        ids = {name: n for n, name in enumerate(order)}
        collection = TTCollection(fonts.DEFAULT_FONT, lazy=True)
        try:
            source = next(f for f in collection.fonts
                          if f["name"].getDebugName(1) == fonts.DEFAULT_FACE)
            assert cmap == source.getBestCmap() and sorted(order) == sorted(
                source.getGlyphOrder())
            for char in "李春花职业证书（）0A喆𠮷":  # same outline and advance under the same name
                name = cmap[ord(char)]
                assert face["hmtx"][name] == source["hmtx"][name]
                ours, theirs = (f["CFF "].cff.topDictIndex[0].CharStrings[name]
                                for f in (face, source))
                ours.decompile()
                theirs.decompile()
                assert ours.program == theirs.program
        finally:
            collection.close()
    # ASCII, Chinese punctuation and the common hanzi come first: a certificate's subset
    # stops near id 4,000 instead of 60,000.
    assert max(ids[cmap[ord(c)]] for c in "李春花职业技能等级证书中准（）·0A") < 4200
    assert ids[cmap[ord("0")]] < 200 and ids[cmap[ord("喆")]] > 4200
    # The file certificates print from first: GB 2312 only, under the same glyph ids.
    (first, common), (second, full) = fonts.families(app)
    assert (first, second, full) == (fonts.FAMILY, fonts.FULL_FAMILY, fonts.face_file(app))
    with TTFont(common, lazy=True) as cut:
        cut_ids = {name: n for n, name in enumerate(cut.getGlyphOrder())}
        cut_cmap = cut.getBestCmap()
        assert all(cut_ids[cut_cmap[ord(c)]] == ids[cmap[ord(c)]] for c in "李春花（）0A")
        assert ord("喆") not in cut_cmap and len(cut_ids) < 20_000


def test_rare_characters_in_a_name_still_print(app, certificate, tmp_path):
    values, blob = documents.pdf_values(certificate), documents.signed_blob(certificate)
    values["holder_name"] = "李喆𠮷"  # outside GB 2312; U+20BB7 outside the BMP
    path = tmp_path / "rare.pdf"
    path.write_bytes(pdf.render_pdf(values, blob, app))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "李喆𠮷" in text
    rows = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    # The common characters' subset and, for these two, one of the full face: both embedded.
    assert sorted(row.split()[0].split("+")[1] for row in rows) == ["SB-CJK", "SB-CJK-Full"]
    assert all(row.split()[-5:-2] == ["yes", "yes", "yes"] for row in rows), rows


def test_a_single_face_font_file_is_used_as_it_is(app, tmp_path):
    from flask import Flask

    extracted = fonts.face_file(app)
    other = Flask("font-face", instance_path=str(tmp_path))
    other.config["CERTIFICATE_FONT_PATH"] = extracted
    fonts.check_font(other)
    assert fonts.face_file(other) == extracted
    assert not (tmp_path / "fonts").exists()


def test_a_collection_without_the_configured_face_is_a_startup_error(tmp_path):
    from flask import Flask

    from core.config import ConfigError

    configured = Flask("font-check", instance_path=str(tmp_path))
    configured.config.update(CERTIFICATE_FONT_PATH=fonts.DEFAULT_FONT,
                             CERTIFICATE_FONT_FACE="Noto Sans Klingon")
    with pytest.raises(ConfigError, match="Noto Sans Klingon.*Noto Sans CJK SC"):
        fonts.check_font(configured)


def test_the_same_certificate_renders_to_the_same_bytes(app, certificate):
    """The attachment is dated by the issue, not the render: a re-render a second later finds
    its stored twin by SHA-256 instead of adding a copy."""
    from unittest import mock

    values, blob = documents.pdf_values(certificate), documents.signed_blob(certificate)
    first = pdf.render_pdf(values, blob, app)
    with mock.patch("weasyprint.datetime") as clock:  # WeasyPrint's now() moves on
        from datetime import datetime

        clock.now.return_value = datetime(2031, 1, 1, 12, 0, 0)
        again = pdf.render_pdf(values, blob, app)
    assert again == first


def test_the_serial_is_the_document_id_in_the_trailer(pdf_bytes, certificate):
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(pdf_bytes), strict=True)  # the cross-reference still adds up
    assert reader.trailer["/ID"][0] == certificate.serial
    assert f"/ID [({certificate.serial}) (".encode() in pdf_bytes[-400:]
    assert reader.attachments[pdf.ATTACHMENT_NAME]


def test_the_expat_tree_renders_what_the_html_parser_would(app, certificate, monkeypatch):
    """html_document hands WeasyPrint a tree parsed by expat; the HTML parser's tree (the path
    for markup expat refuses) must print the very same bytes."""
    from xml.etree import ElementTree

    values, blob = documents.pdf_values(certificate), documents.signed_blob(certificate)
    values["holder_name"] = "李春花 & <O'Brien>"
    fast = pdf.render_pdf(values, blob, app)

    def refuse(markup):
        raise ElementTree.ParseError("forced")

    monkeypatch.setattr(pdf.ElementTree, "fromstring", refuse)
    assert pdf.render_pdf(values, blob, app) == fast


def test_a_value_expat_refuses_still_prints(app, certificate, tmp_path):
    values, blob = documents.pdf_values(certificate), documents.signed_blob(certificate)
    values["course_title"] = "直播销售\x0b实训班"  # not allowed in XML 1.0
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf.render_pdf(values, blob, app))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "直播销售" in text and "实训班" in text


def test_another_weasyprint_version_parses_the_public_way(app, certificate, monkeypatch):
    """The expat hand-over uses WeasyPrint internals: a version it was not checked on takes
    the public HTML parser, and prints the same certificate."""
    values, blob = documents.pdf_values(certificate), documents.signed_blob(certificate)
    fast = pdf.render_pdf(values, blob, app)
    monkeypatch.setattr(pdf, "_TREE_CHECKED_ON", "0")
    assert pdf.render_pdf(values, blob, app) == fast


def test_without_a_cross_reference_stream_the_id_comes_from_weasyprint(app, certificate,
                                                                       monkeypatch):
    from io import BytesIO

    from pypdf import PdfReader

    assert pdf.with_identifier(b"%PDF-1.4\nxref\n0 1\ntrailer\n<< /Size 1 >>\n", "SB1") is None
    monkeypatch.setattr(pdf, "with_identifier", lambda document, serial: None)
    values, blob = documents.pdf_values(certificate), documents.signed_blob(certificate)
    reader = PdfReader(BytesIO(pdf.render_pdf(values, blob, app)), strict=True)
    assert reader.trailer["/ID"][0] == certificate.serial
