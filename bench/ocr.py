"""OCR of scans: pages read per second by Lanterne's text extraction (what the extraction
job runs: `extraction.extract_text`), against `tesseract` alone on the same page images, in
the same run.

Pages: A4 letters of French text at 200 dpi, rendered with DejaVu Serif and degraded as a
scanner does (turned 0.5-1.5°, blurred, specks, grey JPEG at quality 60); 12 pages (quick
4). Lanterne reads them twice: each page as a JPEG image, and all of them as one PDF
without a text layer (each page drawn by pdftoppm, then read). The baseline runs the
`tesseract` command on each JPEG, one after the other, with its default settings (and, for
information, with OMP_THREAD_LIMIT=1, as Lanterne runs it). Best of 2 rounds each.
No database: the extraction is pure.

    .venv/bin/python bench/ocr.py [--quick] [--database-url URL] [--redis-url URL]
"""
from __future__ import annotations

import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import Summary, table  # noqa: E402
from filing import french_text, vocabulary  # noqa: E402

TARGET = 1.5  # time per page at most 1.5x tesseract's on one thread (ours; the issue asks for the figure)
DPI = 200


def _font(size: int):
    from PIL import ImageFont

    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def scanned_page(rng: random.Random, words: list[str]):
    """One degraded A4 page of a French letter, grey."""
    import textwrap

    from PIL import Image, ImageDraw, ImageFilter

    width, height = int(8.27 * DPI), int(11.69 * DPI)
    page = Image.new("L", (width, height), 248)
    draw = ImageDraw.Draw(page)
    font = _font(int(DPI * 0.16))
    y = int(DPI * 0.9)
    lines = ["Préfecture de la Moselle", "Bureau des polices administratives", "",
             f"Metz, le {rng.randint(1, 28)} mars 2026", ""]
    for paragraph in range(4):
        lines += textwrap.wrap(french_text(rng, words, rng.randint(40, 70)), 68) + [""]
    for line in lines:
        draw.text((int(DPI * 0.9), y), line, fill=25, font=font)
        y += int(DPI * 0.24)
    page = page.rotate(rng.uniform(-1.5, 1.5), resample=Image.Resampling.BICUBIC, fillcolor=248)
    page = page.filter(ImageFilter.GaussianBlur(0.7))
    pixels = page.load()
    for _ in range(width * height // 200):
        pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((0, 70, 255))
    return page


def tesseract_alone(engine: str, paths: list[Path], threads_limited: bool) -> float:
    env = {key: value for key, value in os.environ.items() if key != "OMP_THREAD_LIMIT"}
    if threads_limited:
        env["OMP_THREAD_LIMIT"] = "1"
    start = time.perf_counter()
    for path in paths:
        subprocess.run([engine, str(path), "stdout", "-l", "fra"], check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> int:
    options = common.parser(__doc__.split("\n\n")[0]).parse_args()
    count = 4 if options.quick else 12
    print(f"Lanterne — OCR throughput ({'quick: ' if options.quick else ''}{count} scanned pages, {DPI} dpi)")
    print(f"Machine: {common.machine()}")
    summary = Summary()
    from workflow.documents import extraction
    from workflow.documents.formats import PDF

    engine = extraction.ocr_engine()
    if engine is None or shutil.which("pdftoppm") is None:
        print("Tesseract with its French data, or pdftoppm, is missing: apt-get install tesseract-ocr "
              "tesseract-ocr-fra poppler-utils")
        summary.add("ocr", "not measured: Tesseract (fra) or pdftoppm absent", "runs", False)
        summary.print()
        return 0
    rng = random.Random(14)
    words = vocabulary(rng)
    folder = Path(tempfile.mkdtemp(prefix="lanterne-bench-ocr-"))
    try:
        pages = [scanned_page(rng, words) for _ in range(count)]
        paths = []
        for number, page in enumerate(pages, start=1):
            path = folder / f"page-{number:02d}.jpg"
            page.save(path, format="JPEG", quality=60)
            paths.append(path)
        pdf = folder / "scan.pdf"
        buffer = io.BytesIO()
        pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:], resolution=DPI, quality=60)
        pdf.write_bytes(buffer.getvalue())
        alone, alone_limited, images, scanned = [], [], [], []
        words_read = 0
        for _round in range(2):  # interleaved, so that each sees the same machine
            alone.append(tesseract_alone(engine, paths, threads_limited=False))
            alone_limited.append(tesseract_alone(engine, paths, threads_limited=True))
            start = time.perf_counter()
            for path in paths:
                words_read += len(extraction.extract_text(path, "image/jpeg").pages[0].split())
            images.append(time.perf_counter() - start)
            start = time.perf_counter()
            read = extraction.extract_text(pdf, PDF)
            scanned.append(time.perf_counter() - start)
            assert read.status == "ocr" and read.page_count == count, (read.status, read.page_count)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    baseline = min(alone)
    rows = [
        ["tesseract alone (default threads), best of 2", common.fmt_ms(baseline), f"{count / baseline:.2f}", "1.00x"],
        ["tesseract alone, OMP_THREAD_LIMIT=1", common.fmt_ms(min(alone_limited)), f"{count / min(alone_limited):.2f}",
         common.fmt_ratio(min(alone_limited) / baseline)],
        ["Lanterne, each page a JPEG image", common.fmt_ms(min(images)), f"{count / min(images):.2f}",
         common.fmt_ratio(min(images) / baseline)],
        ["Lanterne, one PDF without text layer", common.fmt_ms(min(scanned)), f"{count / min(scanned):.2f}",
         common.fmt_ratio(min(scanned) / baseline)],
    ]
    table(f"OCR of {count} scanned A4 pages ({words_read // 2 // count} words a page read)",
          ["reader", "time", "pages/s", "ratio to tesseract alone"], rows)
    single = min(alone_limited)
    for name, seconds in (("images", min(images)), ("pdf", min(scanned))):
        # Judged against the faster baseline (one thread): what Lanterne adds to the engine.
        summary.add(f"ocr.{name}", f"{count / seconds:.2f} pages/s, {seconds / baseline:.2f}x tesseract alone "
                                   f"({count / baseline:.2f} pages/s), {seconds / single:.2f}x tesseract on one "
                                   f"thread ({count / single:.2f} pages/s)", f"<= {TARGET}x tesseract on one thread",
                    seconds / single <= TARGET)
    summary.print()
    return 0  # a MISS is a figure to read, not a failure to run


if __name__ == "__main__":
    sys.exit(main())
