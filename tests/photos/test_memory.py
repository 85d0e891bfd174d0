"""Peak memory of one upload (issue 13): at most 200 MB beyond what the
process held before, for the worst files that are still accepted; what would
take more is refused before decoding, through the API with a 422 in Korean.

Memory, not time: each case runs ``process_photo`` in a fresh child process
that reports its own peak RSS (the kernel's VmHWM, reset just before the call;
``resource.getrusage`` where that is not allowed).
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from PIL import Image

from dongne.photos.processing import process_photo
from tests.conftest import DatabaseUnderTest, query
from tests.listings.conftest import Resident, make_resident

BUDGET_MB = 200

CHILD = r"""
import json, resource, sys, time
from pathlib import Path

from PIL import Image
from dongne.photos.processing import process_photo

def rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024

data = Path(sys.argv[1]).read_bytes()
warm = Image.new("RGB", (64, 64))
import io
buffer = io.BytesIO(); warm.save(buffer, "PNG"); process_photo(buffer.getvalue())
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    reset = True
except OSError:
    reset = False
before = rss_kb()
photo = process_photo(data)
if reset:
    with open("/proc/self/status") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
else:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"extra_mb": (peak - before) / 1024, "size": [photo.width, photo.height]}))
"""


def smooth(mode: str, size: tuple[int, int]) -> Image.Image:
    """A smooth picture: it compresses under 10 MB at these sizes."""
    w, h = size
    x = Image.linear_gradient("L").resize((w, h))
    y = x.transpose(Image.Transpose.ROTATE_90).resize((w, h))
    if mode == "I;16":
        return x.convert("I").point(lambda v: v * 256).convert("I;16")
    if mode == "P":
        return Image.merge("RGB", (x, y, x)).quantize(64)
    bands = (x, y, Image.new("L", (w, h), 128))
    return Image.merge("RGBA", (*bands, y)) if mode == "RGBA" else Image.merge("RGB", bands)


def encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def grey_png(width: int, height: int) -> bytes:
    """An 8-bit grey PNG of any size, built row by row (a few hundred KB)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x80" * width
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


# The most memory each kind of accepted file can ask for (bench/photos.py
# prints them all, before and after, with the files now refused).
WORST: dict[str, Callable[[], bytes]] = {
    "png-rgba-6300x6300": lambda: encoded(smooth("RGBA", (6300, 6300)), "PNG"),
    "png-rgb-40mp": lambda: encoded(smooth("RGB", (7745, 5164)), "PNG"),
    "png-palette-40mp": lambda: encoded(smooth("P", (8000, 5000)), "PNG"),
    "png-16bit-24mp": lambda: encoded(smooth("I;16", (6000, 4000)), "PNG"),
    "webp-10mp": lambda: encoded(smooth("RGB", (4000, 2600)), "WEBP"),
}


@pytest.mark.parametrize("kind", WORST)
def test_the_worst_accepted_files_take_at_most_200_mb(kind: str, tmp_path: Path) -> None:
    path = tmp_path / kind
    path.write_bytes(WORST[kind]())
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], check=True, capture_output=True, text=True
    )
    report = json.loads(out.stdout)
    assert max(report["size"]) == 1600  # accepted, and made into a full-size photo
    assert report["extra_mb"] <= BUDGET_MB, report


@pytest.mark.parametrize(
    "make",
    [
        lambda: grey_png(40_000_000, 1),  # the report's 194 KB file
        lambda: grey_png(12_001, 10),  # MAX_SIDE + 1
        lambda: grey_png(3000, 20),  # a strip longer than 50 times its width
        lambda: encoded(smooth("RGB", (6000, 4000)), "WEBP"),  # its decoder needs 384 MB
    ],
    ids=["1x40M", "side", "aspect", "webp-24mp"],
)
def test_files_that_would_take_more_are_refused_with_a_korean_422_and_change_nothing(
    make: Callable[[], bytes], client: httpx.Client, database: DatabaseUnderTest
) -> None:
    data = make()
    seller: Resident = make_resident(client, "역삼동")
    before = query(database, "SELECT count(*) FROM photos WHERE owner_id = :id", id=seller.id)

    r = client.post(
        "/api/v1/photos", files={"file": ("photo.png", data, "image/png")}, headers=seller.auth
    )

    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "사진의 해상도가 너무 커요."
    after = query(database, "SELECT count(*) FROM photos WHERE owner_id = :id", id=seller.id)
    assert after == before


def test_a_thin_strip_that_needs_no_shrinking_is_still_accepted() -> None:
    photo = process_photo(grey_png(1600, 1))
    assert (photo.width, photo.height) == (1600, 1)
