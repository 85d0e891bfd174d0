"""Peak memory of one photo upload, before and after issue 13's limits.

    python bench/photos.py [--baseline REV]

Each kind of image below is written once to a file; then, for the code of
``dongne/photos/processing.py`` as it is now and as it was at ``--baseline``
(read with ``git show``, so both run in the same session), a fresh child
process reads the file and calls ``process_photo`` on it. The child reports
its peak RSS minus its RSS just before the call (the kernel's VmHWM, reset
just before the call; ``resource.getrusage`` where that is not allowed), how long the call took and what it answered. Target: at
most 200 MB of extra peak memory for any accepted file. Figures are printed,
never asserted (tests/photos/test_memory.py checks the worst accepted case).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "a7758af"  # the last commit before the limits


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def grey_strip_png(width: int, height: int) -> bytes:
    """An 8-bit grey PNG of any size, built row by row (a few hundred KB)."""
    row = b"\x00" + b"\x80" * width
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def smooth(mode: str, size: tuple[int, int]) -> Image.Image:
    """A smooth picture (it compresses under 10 MB at these sizes)."""
    w, h = size
    x = Image.linear_gradient("L").resize((w, h))
    y = x.transpose(Image.Transpose.ROTATE_90).resize((w, h))
    if mode in ("L", "I;16"):
        return x if mode == "L" else x.convert("I").point(lambda v: v * 256).convert("I;16")
    if mode == "P":
        return Image.merge("RGB", (x, y, x)).quantize(64)
    bands = (x, y, Image.new("L", (w, h), 128))
    rgb = Image.merge("RGB", bands)
    return rgb if mode == "RGB" else Image.merge("RGBA", (*bands, y))


def encoded(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


KINDS: list[tuple[str, Callable[[], bytes]]] = [
    ("PNG 1 x 40,000,000 grey (the report's)", lambda: grey_strip_png(40_000_000, 1)),
    ("PNG 6300 x 6300 RGBA", lambda: encoded(smooth("RGBA", (6300, 6300)), "PNG")),
    ("PNG 7745 x 5164 RGB (40 MP)", lambda: encoded(smooth("RGB", (7745, 5164)), "PNG")),
    ("PNG 8000 x 5000 palette", lambda: encoded(smooth("P", (8000, 5000)), "PNG")),
    ("PNG 6000 x 4000 16-bit grey", lambda: encoded(smooth("I;16", (6000, 4000)), "PNG")),
    ("JPEG 12000 x 3333", lambda: encoded(smooth("RGB", (12000, 3333)), "JPEG", quality=80)),
    ("JPEG 12000 x 8000", lambda: encoded(smooth("RGB", (12000, 8000)), "JPEG", quality=60)),
    ("JPEG 8000 x 5000", lambda: encoded(smooth("RGB", (8000, 5000)), "JPEG", quality=80)),
    ("WebP 4000 x 2600", lambda: encoded(smooth("RGB", (4000, 2600)), "WEBP", quality=80)),
    ("WebP 5000 x 4000", lambda: encoded(smooth("RGB", (5000, 4000)), "WEBP", quality=80)),
    ("WebP 6300 x 6300 RGBA", lambda: encoded(smooth("RGBA", (6300, 6300)), "WEBP", quality=80)),
]


def load_module(path: Path) -> object:
    spec = importlib.util.spec_from_file_location("processing_under_test", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


def reset_peak() -> bool:
    """Restart the kernel's peak-RSS count (VmHWM) at the current RSS (Linux
    4.0 and later); False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def peak_kb(reset: bool) -> int:
    if reset:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def extra_peak_mb(process: Callable[[bytes], object], data: bytes) -> tuple[float, float, str]:
    """(extra peak RSS in MB, seconds, outcome) of ``process(data)``."""
    reset = reset_peak()
    before = rss_kb()
    started = time.perf_counter()
    try:
        photo = process(data)
        outcome = f"accepted {photo.width} x {photo.height}"  # type: ignore[attr-defined]
    except Exception as exc:
        outcome = f"{type(exc).__name__} ({getattr(exc, 'status', '?')})"
    took = time.perf_counter() - started
    return (peak_kb(reset) - before) / 1024, took, outcome


def child(module_path: str, image_path: str) -> None:
    """In a fresh process: the extra peak RSS of one ``process_photo`` call."""
    module = load_module(Path(module_path))
    data = Path(image_path).read_bytes()
    process: Callable[[bytes], object] = module.process_photo  # type: ignore[attr-defined]
    process(encoded(Image.new("RGB", (64, 64)), "PNG"))  # warm: libraries loaded
    extra, took, outcome = extra_peak_mb(process, data)
    print(json.dumps({"extra_mb": extra, "seconds": took, "outcome": outcome}))


def measure(module: Path, image: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(module), str(image)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the old code")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="dongne-bench-photos-") as tmp:
        work = Path(tmp)
        old = work / "old_processing.py"
        old.write_text(
            subprocess.run(
                ["git", "show", f"{args.baseline}:dongne/photos/processing.py"],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        new = ROOT / "dongne" / "photos" / "processing.py"
        print(f"peak extra RSS of one process_photo call (before = {args.baseline}, after = now)")
        print(f"{'image':<40} {'file':>8}  {'before':>30}  {'after':>30}")
        for name, make in KINDS:
            path = work / "image"
            path.write_bytes(make())
            size = f"{path.stat().st_size / 1e6:.1f} MB"
            cells = []
            for module in (old, new):
                r = measure(module, path)
                cells.append(f"{r['extra_mb']:6.0f} MB {r['seconds']:5.1f} s {r['outcome']}")
            print(f"{name:<40} {size:>8}  {cells[0]:<30}  {cells[1]:<30}", flush=True)


if __name__ == "__main__":
    main()
