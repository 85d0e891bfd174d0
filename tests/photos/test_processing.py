"""Photo processing: only pixels survive, in the documented sizes.

Every input is built here with Pillow (or by hand, byte by byte), so the
fixtures say exactly what metadata they carry.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, PngImagePlugin, TiffImagePlugin

from dongne.photos.processing import (
    CONTENT_TYPE,
    FULL_LONG_SIDE,
    LARGE_LONG_SIDE,
    MAX_PHOTO_BYTES,
    MAX_PHOTO_PIXELS,
    SMALL_SIDE,
    CorruptPhoto,
    InvalidPhoto,
    PhotoResolutionTooLarge,
    PhotoTooLarge,
    ProcessedPhoto,
    process_photo,
)

YEOKSAM = "서울특별시 강남구 역삼동"
XMP_MARKER = b"http://ns.adobe.com/xap/1.0/"
XMP_PACKET = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="37,30.036N" exif:GPSLongitude="127,2.196E"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
COMMENT = b"Yeoksam-dong, Gangnam-gu: my flat"
# Metadata keys Pillow reports for a bare JFIF/progressive JPEG; anything else
# (exif, xmp, comment, icc_profile, photoshop, adobe, ...) would be metadata.
BARE_JPEG_INFO = {
    "jfif",
    "jfif_version",
    "jfif_unit",
    "jfif_density",
    "dpi",
    "progressive",
    "progression",
}
# Short strings are looked for in the header segments only (compressed image
# data is random-looking and may hold any three bytes); long ones anywhere.
HEADER_LEAKS = (b"Exif", b"GPS", b"Apple", b"iPhone", b"8BIM", b"ICC", b"XMP", b"xmp")
FILE_LEAKS = (
    b"Exif\x00\x00",
    b"ASCII\x00\x00\x00GPS",
    b"iPhone 15 Pro",
    b"2025:11:23 14:41:07",
    XMP_MARKER,
    b"xmpmeta",
    b"Yeoksam",
    "역삼동".encode(),
    b"ICC_PROFILE",
    b"Photoshop 3.0",
    COMMENT,
)


# --- building inputs --------------------------------------------------------


def rational(value: float) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(round(value * 10000), 10000)


def camera_exif(orientation: int = 1) -> Image.Exif:
    """What a phone writes: make, model, times, and where 역삼동 is."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15 Pro"
    exif[ExifTags.Base.DateTime] = "2025:11:23 14:41:07"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.ImageDescription] = "Yeoksam-dong"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (rational(37), rational(30), rational(2.16))
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (rational(127), rational(2), rational(11.76))
    gps[ExifTags.GPS.GPSProcessingMethod] = b"ASCII\x00\x00\x00GPS"
    return exif


def app13_iptc(text: bytes) -> bytes:
    """A Photoshop APP13 segment holding an IPTC caption (2:120)."""
    iptc = b"\x1c\x02\x78" + struct.pack(">H", len(text)) + text
    block = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    if len(iptc) % 2:
        block += b"\x00"
    payload = b"Photoshop 3.0\x00" + block
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def scene(size: tuple[int, int] = (640, 480)) -> Image.Image:
    """Something photo-like: gradients, so JPEG has real work to do."""
    across = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize(size)
    down = Image.linear_gradient("L").resize(size)
    return Image.merge("RGB", (across, down, Image.new("L", size, 90)))


def icc_profile(
    description: str,
    red: tuple[float, float, float],
    green: tuple[float, float, float],
    blue: tuple[float, float, float],
) -> bytes:
    """A minimal ICC v2 RGB matrix/TRC display profile, with linear curves."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(value: tuple[float, float, float]) -> bytes:
        return b"XYZ \x00\x00\x00\x00" + b"".join(s15(v) for v in value)

    ascii_text = description.encode("ascii") + b"\x00"
    desc = (
        b"desc\x00\x00\x00\x00"
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + b"\x00" * 8  # no Unicode description
        + b"\x00\x00\x00"
        + b"\x00" * 67  # no ScriptCode description
    )
    linear = b"curv\x00\x00\x00\x00\x00\x00\x00\x00"
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(red)),
        (b"gXYZ", xyz(green)),
        (b"bXYZ", xyz(blue)),
        (b"rTRC", linear),
        (b"gTRC", linear),
        (b"bTRC", linear),
        (b"cprt", b"text\x00\x00\x00\x00Kim's calibrated MacBook\x00"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += b"\x00" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + b"\x02\x10\x00\x00"
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2025, 11, 23, 0, 0, 0)
        + b"acsp"
        + b"APPL"
        + b"\x00" * 4  # flags
        + b"\x00" * 8  # manufacturer, model
        + b"\x00" * 8  # attributes
        + b"\x00" * 4  # intent
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"\x00" * 4  # creator
    )
    header += b"\x00" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + data


SRGB_RED_D50 = (0.4361, 0.2225, 0.0139)
SRGB_GREEN_D50 = (0.3851, 0.7169, 0.0971)
SRGB_BLUE_D50 = (0.1431, 0.0606, 0.7141)


def png_declaring(width: int, height: int, *, complete: bool = True) -> bytes:
    """A black 1-bit PNG of ``width`` × ``height``, built row by row.

    Not ``complete``: the compressed stream stops after one row, so the file
    is truncated and decoding it fails.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height if complete else 1))
    data += compressor.flush(zlib.Z_FINISH if complete else zlib.Z_SYNC_FLUSH)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def truncated_png_declaring(width: int, height: int) -> bytes:
    return png_declaring(width, height, complete=False)


def truncated_jpeg_declaring(width: int, height: int) -> bytes:
    """A JPEG whose frame header claims ``width`` × ``height``, cut off right
    after its scan header: it opens, but decoding it fails."""
    data = bytearray(encode(Image.new("RGB", (8, 8), "white"), "JPEG"))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    sos = data.index(b"\xff\xda")
    (length,) = struct.unpack(">H", data[sos + 2 : sos + 4])
    return bytes(data[: sos + 2 + length])


# --- inspecting outputs -----------------------------------------------------


def outputs(photo: ProcessedPhoto) -> Iterator[tuple[str, bytes]]:
    yield "full", photo.full
    yield "large", photo.large
    yield "small", photo.small


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """Every marker segment of a JPEG file, as (marker, payload), in order.

    Entropy-coded data after each scan header is skipped: inside it 0xFF is
    only ever followed by 0x00 (stuffing) or a restart marker.
    """
    assert data[:2] == b"\xff\xd8"
    segments: list[tuple[int, bytes]] = [(0xD8, b"")]
    pos = 2
    while pos < len(data):
        assert data[pos] == 0xFF, f"no marker at {pos}"
        marker = data[pos + 1]
        if marker == 0xD9:
            segments.append((marker, b""))
            assert pos + 2 == len(data), "bytes after the end of the image"
            return segments
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segments.append((marker, data[pos + 4 : pos + 2 + length]))
        pos += 2 + length
        if marker == 0xDA:
            while not (data[pos] == 0xFF and data[pos + 1] not in (0x00, *range(0xD0, 0xD8))):
                pos += 1
    raise AssertionError("no end-of-image marker")


def assert_clean_jpeg(data: bytes) -> Image.Image:
    """Decode an output and check it is a bare JPEG: no metadata at all."""
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    assert set(image.info) <= BARE_JPEG_INFO, set(image.info) - BARE_JPEG_INFO
    assert dict(image.getexif()) == {}
    segments = jpeg_segments(data)
    markers = [marker for marker, _payload in segments]
    assert 0xFE not in markers  # COM
    assert [m for m in markers if 0xE0 <= m <= 0xEF] == [0xE0]  # APP0 (JFIF) only
    assert segments[1][1].startswith(b"JFIF\x00")
    headers = b"".join(payload for marker, payload in segments if marker != 0xDA)
    for leak in HEADER_LEAKS:
        assert leak not in headers, leak
    for leak in FILE_LEAKS:
        assert leak not in data, leak
    image.load()
    return image


def close_to(actual: tuple[int, ...], expected: tuple[int, int, int], tolerance: int = 24) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.getpixel(xy)
    assert isinstance(value, tuple)
    return value


# --- metadata is stripped ---------------------------------------------------


def test_jpeg_with_gps_exif_xmp_iptc_and_comment_comes_out_bare() -> None:
    upload = encode(
        scene(),
        "JPEG",
        exif=camera_exif(),
        xmp=XMP_PACKET,
        comment=COMMENT,
        extra=app13_iptc(YEOKSAM.encode()),
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    # The fixture really carries what we claim to strip.
    source = Image.open(io.BytesIO(upload))
    gps = source.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert {"exif", "xmp", "comment", "icc_profile", "photoshop"} <= set(source.info)
    for leak in (b"Exif", b"GPS", XMP_MARKER, COMMENT, b"Photoshop 3.0", YEOKSAM.encode()):
        assert leak in upload

    photo = process_photo(upload)

    assert photo.content_type == CONTENT_TYPE == "image/jpeg"
    for _name, data in outputs(photo):
        assert_clean_jpeg(data)


def test_exif_orientation_6_is_applied_to_the_pixels() -> None:
    stored = Image.new("RGB", (400, 200), (255, 255, 255))
    stored.paste((255, 0, 0), (0, 0, 80, 80))  # red in the stored top-left corner
    upload = encode(stored, "JPEG", quality=95, exif=camera_exif(orientation=6))

    photo = process_photo(upload)

    assert (photo.width, photo.height) == (200, 400)
    full = assert_clean_jpeg(photo.full)
    assert full.size == (200, 400)
    # Orientation 6: the camera was turned clockwise, so the stored top-left
    # corner belongs at the top right once the photo is upright.
    assert close_to(pixel(full, (200 - 30, 30)), (255, 0, 0))
    assert close_to(pixel(full, (30, 30)), (255, 255, 255))
    assert close_to(pixel(full, (30, 400 - 30)), (255, 255, 255))
    assert close_to(pixel(full, (200 - 30, 400 - 30)), (255, 255, 255))
    assert assert_clean_jpeg(photo.large).size == (200, 400)


@pytest.mark.parametrize(
    ("orientation", "corner"),
    [(1, "top-left"), (3, "bottom-right"), (6, "top-right"), (8, "bottom-left")],
)
def test_every_rotation_lands_the_marked_corner_where_it_belongs(
    orientation: int, corner: str
) -> None:
    stored = Image.new("RGB", (300, 200), (255, 255, 255))
    stored.paste((0, 0, 255), (0, 0, 60, 60))
    photo = process_photo(encode(stored, "PNG", exif=camera_exif(orientation=orientation)))
    full = assert_clean_jpeg(photo.full)
    width, height = full.size
    assert (width, height) == ((300, 200) if orientation in (1, 3) else (200, 300))
    points = {
        "top-left": (20, 20),
        "top-right": (width - 20, 20),
        "bottom-left": (20, height - 20),
        "bottom-right": (width - 20, height - 20),
    }
    for name, xy in points.items():
        expected = (0, 0, 255) if name == corner else (255, 255, 255)
        assert close_to(pixel(full, xy), expected), (name, pixel(full, xy))


def test_png_text_chunks_are_dropped_and_alpha_is_flattened_onto_white() -> None:
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))  # transparent black
    image.paste((0, 0, 255, 255), (100, 0, 200, 100))  # opaque blue right half
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "Yeoksam-dong 37.5006N 127.0366E")  # tEXt
    text.add_text("Location", YEOKSAM, zip=False)  # iTXt (not Latin-1)
    text.add_text("Description", "Yeoksam-dong, compressed", zip=True)  # zTXt
    text.add_itxt("XML:com.adobe.xmp", XMP_PACKET.decode())
    upload = encode(image, "PNG", pnginfo=text, exif=camera_exif())
    for kind in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"Yeoksam"):
        assert kind in upload

    photo = process_photo(upload)

    for _name, data in outputs(photo):
        out = assert_clean_jpeg(data)
        assert b"tEXt" not in data and b"iTXt" not in data and b"zTXt" not in data
        width, height = out.size
        assert close_to(pixel(out, (width // 8, height // 2)), (255, 255, 255))
    full = Image.open(io.BytesIO(photo.full))
    assert close_to(pixel(full, (20, 50)), (255, 255, 255))  # not black: flattened
    assert close_to(pixel(full, (180, 50)), (0, 0, 255))


def test_webp_with_exif_and_xmp_comes_out_bare() -> None:
    upload = encode(scene((320, 240)), "WEBP", exif=camera_exif(), xmp=XMP_PACKET, quality=90)
    assert b"EXIF" in upload and b"XMP " in upload
    assert {"exif", "xmp"} <= set(Image.open(io.BytesIO(upload)).info)

    photo = process_photo(upload)

    for _name, data in outputs(photo):
        assert_clean_jpeg(data)
        assert b"EXIF" not in data and b"XMP " not in data
    assert (photo.width, photo.height) == (320, 240)


def test_icc_profile_converts_colours_to_srgb_and_is_dropped() -> None:
    # A display profile with red and blue primaries swapped: the stored
    # (255, 0, 0) means sRGB blue. Its copyright names a person.
    swapped = icc_profile("Kim MacBook", SRGB_BLUE_D50, SRGB_GREEN_D50, SRGB_RED_D50)
    stored = Image.new("RGB", (64, 64), (255, 0, 0))
    upload = encode(stored, "PNG", icc_profile=swapped)
    assert b"iCCP" in upload

    photo = process_photo(upload)

    full = assert_clean_jpeg(photo.full)
    assert "icc_profile" not in full.info
    assert b"Kim" not in photo.full
    assert close_to(pixel(full, (32, 32)), (0, 0, 255), tolerance=12)


def test_an_unusable_icc_profile_is_ignored_not_fatal() -> None:
    upload = encode(
        Image.new("RGB", (64, 64), (0, 128, 0)), "PNG", icc_profile=b"not an icc profile"
    )
    full = assert_clean_jpeg(process_photo(upload).full)
    assert close_to(pixel(full, (32, 32)), (0, 128, 0))


# --- accepted formats and modes ---------------------------------------------


def test_cmyk_jpeg_becomes_rgb() -> None:
    upload = encode(Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "JPEG")
    full = assert_clean_jpeg(process_photo(upload).full)
    assert close_to(pixel(full, (32, 32)), (255, 0, 0), tolerance=32)


def test_sixteen_bit_greyscale_png_keeps_its_tones() -> None:
    upload = encode(Image.new("I;16", (64, 64), 32768), "PNG")
    assert Image.open(io.BytesIO(upload)).mode.startswith("I")
    full = assert_clean_jpeg(process_photo(upload).full)
    assert close_to(pixel(full, (32, 32)), (128, 128, 128), tolerance=4)


def test_palette_png_with_transparency_is_flattened() -> None:
    image = Image.new("P", (64, 64), 0)
    image.putpalette([255, 0, 0, 0, 255, 0] + [0] * (254 * 3))
    image.paste(1, (32, 0, 64, 64))
    upload = encode(image, "PNG", transparency=0)
    full = assert_clean_jpeg(process_photo(upload).full)
    assert close_to(pixel(full, (10, 32)), (255, 255, 255))
    assert close_to(pixel(full, (54, 32)), (0, 255, 0))


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_an_animation_keeps_its_first_frame(fmt: str) -> None:
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("red", "blue", "lime")]
    upload = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert getattr(Image.open(io.BytesIO(upload)), "n_frames", 1) == 3

    full = assert_clean_jpeg(process_photo(upload).full)

    assert close_to(pixel(full, (32, 32)), (255, 0, 0))


def test_a_multi_picture_jpeg_keeps_its_first_picture() -> None:
    # Phones write MPO files (a JPEG followed by more JPEGs, listed in APP2).
    first = Image.new("RGB", (4000, 3000), (255, 0, 0))
    second = Image.new("RGB", (400, 300), (0, 0, 255))
    upload = encode(first, "MPO", save_all=True, append_images=[second], exif=camera_exif())
    assert Image.open(io.BytesIO(upload)).format == "MPO"

    photo = process_photo(upload)

    assert (photo.width, photo.height) == (1600, 1200)
    for _name, data in outputs(photo):
        out = assert_clean_jpeg(data)
        assert close_to(pixel(out, (out.width // 2, out.height // 2)), (255, 0, 0))


# --- refused uploads ---------------------------------------------------------


def not_photos() -> dict[str, bytes]:
    small = Image.new("RGB", (32, 32), "red")
    return {
        "gif": encode(small, "GIF"),
        "bmp": encode(small, "BMP"),
        "tiff": encode(small, "TIFF"),
        "ico": encode(small, "ICO"),
        "text renamed .jpg": "역삼동 자전거 팝니다\n".encode(),
        "html": b"<!doctype html><html><body><script>alert(1)</script></body></html>",
        "svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        "zero bytes": b"",
    }


@pytest.mark.parametrize("name", sorted(not_photos()))
def test_anything_but_jpeg_png_webp_is_refused(name: str) -> None:
    with pytest.raises(InvalidPhoto) as raised:
        process_photo(not_photos()[name])
    assert type(raised.value) is InvalidPhoto
    assert raised.value.status == 415
    assert raised.value.code == "invalid_photo"
    assert raised.value.msgid == "JPEG, PNG, WebP 사진만 올릴 수 있어요."


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
@pytest.mark.parametrize("keep", [0.5, 0.1, "header"])
def test_a_truncated_photo_is_refused_as_damaged(fmt: str, keep: float | str) -> None:
    valid = encode(scene((320, 240)), fmt)
    process_photo(valid)  # the whole file is fine
    signature_length = {"JPEG": 3, "PNG": 8, "WEBP": 12}[fmt]
    cut = signature_length if keep == "header" else int(len(valid) * float(keep))

    with pytest.raises(CorruptPhoto) as raised:
        process_photo(valid[:cut])

    assert isinstance(raised.value, InvalidPhoto)  # callers may catch either
    assert raised.value.status == 422
    assert raised.value.code == "invalid_photo"
    assert raised.value.msgid == "사진 파일이 손상되었어요."


def test_more_than_ten_megabytes_is_refused_before_decoding() -> None:
    # Not an image at all: decoding first would have said InvalidPhoto.
    with pytest.raises(PhotoTooLarge) as raised:
        process_photo(b"\x00" * (11 * 1024 * 1024))
    assert type(raised.value) is PhotoTooLarge
    assert raised.value.status == 413
    assert raised.value.code == "photo_too_large"
    assert raised.value.msgid == "사진은 10MB까지 올릴 수 있어요."


def test_exactly_ten_megabytes_is_not_too_large() -> None:
    with pytest.raises(InvalidPhoto):
        process_photo(b"\x00" * MAX_PHOTO_BYTES)


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (8_000, 6_000),  # 48 MP: over our limit, under Pillow's warning
        (10_000, 10_000),  # 100 MP: Pillow warns (an error under pytest)
        (20_000, 20_000),  # 400 MP: Pillow's own DecompressionBombError
    ],
)
def test_a_decompression_bomb_is_refused_for_its_resolution(width: int, height: int) -> None:
    bomb = png_declaring(width, height)
    assert len(bomb) < 100_000  # a few KB that would decode to width × height pixels

    with pytest.raises(PhotoResolutionTooLarge) as raised:
        process_photo(bomb)

    assert isinstance(raised.value, PhotoTooLarge)
    assert raised.value.code == "photo_too_large"
    assert raised.value.msgid == "사진의 해상도가 너무 커요."


@pytest.mark.parametrize(
    "truncated_declaring", [truncated_png_declaring, truncated_jpeg_declaring], ids=["png", "jpeg"]
)
def test_the_resolution_is_checked_before_any_pixel_is_decoded(
    truncated_declaring: Callable[[int, int], bytes],
) -> None:
    # These files hold (almost) no pixel data: decoding them fails ...
    with pytest.raises(CorruptPhoto):
        process_photo(truncated_declaring(2_000, 1_000))
    # ... so a resolution refusal means no decoding was attempted.
    with pytest.raises(PhotoResolutionTooLarge):
        process_photo(truncated_declaring(9_000, 5_000))


def test_the_pixel_limit_itself_is_allowed() -> None:
    assert MAX_PHOTO_PIXELS == 8_000 * 5_000
    with pytest.raises(CorruptPhoto):  # passes the resolution check, then fails to decode
        process_photo(truncated_png_declaring(8_000, 5_000))
    with pytest.raises(PhotoResolutionTooLarge):
        process_photo(truncated_png_declaring(8_000, 5_001))


# --- sizes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "full", "large"),
    [
        ((3000, 2000), (1600, 1067), (800, 533)),
        ((1000, 3000), (533, 1600), (267, 800)),
        ((1200, 900), (1200, 900), (800, 600)),
        ((700, 700), (700, 700), (700, 700)),
        ((50, 30), (50, 30), (50, 30)),
        ((4000, 80), (1600, 32), (800, 16)),
        ((1600, 1), (1600, 1), (800, 1)),
    ],
)
def test_sizes(stored: tuple[int, int], full: tuple[int, int], large: tuple[int, int]) -> None:
    photo = process_photo(encode(scene(stored), "JPEG"))

    assert (photo.width, photo.height) == full
    assert assert_clean_jpeg(photo.full).size == full
    assert assert_clean_jpeg(photo.large).size == large
    side = min(SMALL_SIDE, *full)
    assert assert_clean_jpeg(photo.small).size == (side, side)
    assert max(full) <= FULL_LONG_SIDE and max(large) <= LARGE_LONG_SIDE


def test_the_small_thumbnail_is_the_centre_square() -> None:
    stored = Image.new("RGB", (900, 300), (255, 0, 0))
    stored.paste((0, 255, 0), (300, 0, 600, 300))
    stored.paste((0, 0, 255), (600, 0, 900, 300))

    small = assert_clean_jpeg(process_photo(encode(stored, "PNG")).small)

    assert small.size == (SMALL_SIDE, SMALL_SIDE)
    for xy in [(5, 5), (120, 120), (234, 234), (5, 234), (234, 5)]:
        assert close_to(pixel(small, xy), (0, 255, 0)), xy


# --- any small image ---------------------------------------------------------

MODES = ["RGB", "RGBA", "L", "LA", "P", "CMYK", "1", "I;16"]
SAVABLE = {
    "JPEG": {"RGB", "L", "CMYK"},
    "PNG": {"RGB", "RGBA", "L", "LA", "P", "1", "I;16"},
    "WEBP": {"RGB", "RGBA"},
}
ORIENTED_SWAPS = {5, 6, 7, 8}


def random_image(mode: str, size: tuple[int, int], seed: int) -> Image.Image:
    rng = random.Random(seed)
    width, height = size
    if mode == "1":
        data = rng.randbytes((width + 7) // 8 * height)
    elif mode == "I;16":
        data = rng.randbytes(2 * width * height)
    else:
        data = rng.randbytes(len(mode) * width * height)
    image = Image.frombytes(mode, size, data)
    if mode == "P":
        image.putpalette(rng.randbytes(768))
    return image


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mode=st.sampled_from(MODES),
    fmt=st.sampled_from(["JPEG", "PNG", "WEBP"]),
    width=st.integers(1, 300),
    height=st.integers(1, 300),
    orientation=st.integers(1, 8),
    with_metadata=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_any_small_image_processes_into_a_bare_jpeg(
    mode: str, fmt: str, width: int, height: int, orientation: int, with_metadata: bool, seed: int
) -> None:
    image = random_image(mode, (width, height), seed)
    if mode not in SAVABLE[fmt]:
        image = image.convert("RGBA" if "A" in mode and "RGBA" in SAVABLE[fmt] else "RGB")
    params: dict[str, object] = {}
    if with_metadata:
        params["exif"] = camera_exif(orientation)
        if fmt != "PNG":
            params["xmp"] = XMP_PACKET
    upload = encode(image, fmt, **params)

    photo = process_photo(upload)

    turned = with_metadata and orientation in ORIENTED_SWAPS
    expected = (height, width) if turned else (width, height)
    assert (photo.width, photo.height) == expected
    assert assert_clean_jpeg(photo.full).size == expected
    assert assert_clean_jpeg(photo.large).size == expected
    side = min(SMALL_SIDE, width, height)
    assert assert_clean_jpeg(photo.small).size == (side, side)
