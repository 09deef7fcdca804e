"""Demo lesson files made on this machine: a short test-pattern video with a tone (ffmpeg from
Debian, H.264 + AAC in MP4, which Chromium plays) and a handout PDF (WeasyPrint). Nothing is
downloaded. Generated once per instance folder and reused."""

import shutil
import subprocess
from pathlib import Path

from flask import current_app

VIDEO_SECONDS = 120
HANDOUT = """<html><head><meta charset="utf-8"><style>
@page { size: A4; margin: 2cm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans CJK", sans-serif; font-size: 12pt; }
h1 { font-size: 20pt; } li { margin: .3em 0; }
</style></head><body>
<h1>广告法与平台规则：哪些话不能说</h1>
<p>直播带货的每一句话都是广告。以下是主播最常踩的红线。</p>
<h2>一、极限用语</h2>
<ul><li>“最好”“第一”“国家级”“顶级”等绝对化用语禁止使用。</li>
<li>可以说“我们店里卖得多的一款”，并说明依据。</li></ul>
<h2>二、虚假宣传</h2>
<ul><li>功效、产地、销量、用户评价必须真实可查。</li>
<li>农产品不得宣称治疗、保健功效。</li></ul>
<h2>三、价格欺诈</h2>
<ul><li>“原价”须是前七日内实际成交价。</li><li>限时、限量须真实。</li></ul>
<h2>课堂练习</h2>
<p>把“全网最低价，吃了包治百病”改写成合规的话术，并在小组内互评。</p>
</body></html>"""


def _cache() -> Path:
    path = Path(current_app.instance_path) / "demo_media"
    path.mkdir(parents=True, exist_ok=True)
    return path


def video() -> Path | None:
    """The demo video, or None when ffmpeg is missing (make install puts it there)."""
    target = _cache() / f"lesson-{VIDEO_SECONDS}s-v1.mp4"
    if target.exists():
        return target
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    partial = target.with_suffix(".part.mp4")
    subprocess.run([
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc=size=426x240:rate=12:duration={VIDEO_SECONDS}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={VIDEO_SECONDS}",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-profile:v", "baseline",
        "-c:a", "aac", "-b:a", "48k", "-movflags", "+faststart", "-shortest", str(partial)],
        check=True, timeout=300)
    partial.replace(target)
    return target


def handout() -> Path:
    target = _cache() / "handout-v1.pdf"
    if not target.exists():
        from weasyprint import HTML

        HTML(string=HANDOUT).write_pdf(target)
    return target
