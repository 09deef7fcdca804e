"""The ReportLab yardstick of the certificate benchmark (bench/certificates_bench.py): the same
content drawn with ReportLab (a bench-only dependency)."""

import os

REFERENCE_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"  # fonts-wqy-microhei


def reportlab_reference(values: dict, verify_url: str, signed: dict):
    """The same content drawn with ReportLab (bench-only dependency): bilingual A4 landscape,
    a TrueType CJK font, a vector QR code and the signed payload attached; the yardstick the
    WeasyPrint certificate is compared with. None when ReportLab or the font is missing."""
    try:
        from reportlab.graphics import renderPDF
        from reportlab.graphics.barcode.qr import QrCodeWidget
        from reportlab.graphics.shapes import Drawing
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.lib.units import mm
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont
        from reportlab.pdfgen import canvas
    except ImportError:
        return None
    if not os.path.exists(REFERENCE_FONT):
        return None
    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", REFERENCE_FONT, subfontIndex=0))
    import io
    import json

    def render() -> bytes:
        out = io.BytesIO()
        page = canvas.Canvas(out, pagesize=landscape(A4), invariant=1)
        width, height = landscape(A4)
        page.setLineWidth(2)
        page.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
        page.setFont("WQY", 10)
        page.drawCentredString(width / 2, height - 25 * mm,
                               f"{values['issuer_zh']} · {values['issuer_en']}")
        page.setFont("WQY", 30)
        page.drawCentredString(width / 2, height - 42 * mm, values["type_zh"])
        page.setFont("WQY", 12)
        page.drawCentredString(width / 2, height - 50 * mm, values["type_en"])
        page.setFont("WQY", 26)
        page.drawCentredString(width / 2, height - 68 * mm, values["holder_name"])
        page.setFont("WQY", 11)
        page.drawCentredString(width / 2, height - 76 * mm,
                               f"公民身份号码 ID No. {values['holder_id_masked']}")
        page.drawCentredString(width / 2, height - 86 * mm, "经考核合格，准予颁发本证书。")
        page.drawCentredString(width / 2, height - 92 * mm, "Having passed the assessment, "
                               "the holder is awarded this certificate.")
        rows = [("职业（工种） Occupation", f"{values['occupation_zh']} "
                 f"{values['occupation_en']}（{values['occupation_code']}）"),
                ("等级 Level", f"{values['level_zh']} / {values['level_en']}"),
                ("培训课程 Course", f"{values['course_title']}（{values['training_hours']} "
                 "学时 hours）"),
                ("发证日期 Issued", values["issued_on"]),
                ("有效期至 Valid until", values["expires_on"] or "长期有效 No expiry")]
        y = height - 106 * mm
        for key, value in rows:
            page.drawString(40 * mm, y, key)
            page.drawString(95 * mm, y, str(value))
            y -= 8 * mm
        widget = QrCodeWidget(verify_url, barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        size = 34 * mm
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0,
                                                 0])
        drawing.add(widget)
        renderPDF.draw(drawing, page, width - 48 * mm, 20 * mm)
        page.setFont("WQY", 7)
        page.drawString(width - 48 * mm, 16 * mm, "扫码核验 Scan to verify")
        page.drawString(20 * mm, 16 * mm, f"证书编号 Serial No. {values['serial']} · "
                        f"签名密钥 Key {values['key_id']}")
        # the signed payload travels in the file, as in the real certificate
        page.setTitle(values["serial"])
        page.setSubject(json.dumps(signed, ensure_ascii=False, sort_keys=True)[:64])
        page.showPage()
        page.save()
        return out.getvalue()

    return render
