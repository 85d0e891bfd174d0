"""Turning an uploaded photo into the three images we serve.

A second-hand app must never leak where a photo was taken, so nothing of the
upload is kept but its pixels:

* The format is detected from the bytes (JPEG, PNG or WebP only); the file
  name and the client's content type are never consulted.
* Size limits come before any decoding: at most ``MAX_PHOTO_BYTES`` of input;
  and, as declared in the header, at most ``MAX_PHOTO_PIXELS``, at most
  ``MAX_SIDE`` px a side, a long side over the full size at most
  ``MAX_ASPECT`` times the short one, and at most ``MAX_DECODED_BYTES`` of
  memory for the decoded pixels, all checked before a single pixel is decoded
  (so a small file declaring a huge canvas — a decompression bomb — costs
  nothing). Pillow's own global bomb guard still applies and is never changed.
* Memory: a JPEG is decoded at 1/2, 1/4 or 1/8 scale when that still leaves
  the full size; any other image is shrunk by a whole factor (``reduce``),
  strip by strip, right after decoding, and every later step (orientation,
  colour, alpha) works on that small copy. The peak extra memory of one
  upload is then the decoded pixels plus a few MB: under 200 MB for any
  accepted file (``bench/photos.py`` measures it; tests/photos/test_memory.py
  checks the worst cases).
* The EXIF orientation is applied to the pixels; an embedded ICC profile is
  used to convert the colours to sRGB and then dropped (profiles can name the
  camera, scanner or a one-off calibrated display); transparency is flattened
  onto white; an animation (or a phone's multi-picture JPEG) keeps its first
  frame.
* Each output is encoded from a fresh pixel buffer, so EXIF (GPS, camera make
  and model, serial numbers, times), XMP, IPTC, JPEG comments, PNG text chunks
  and WebP metadata chunks cannot be carried over.

Outputs, all progressive JPEG (quality 85, optimised Huffman tables, 4:2:0
chroma subsampling):

* ``full``: long side at most 1600 px, aspect ratio kept (the photo viewer);
* ``large``: long side at most 800 px, aspect ratio kept (the listing's gallery:
  a full-width phone screen at 2x density);
* ``small``: a centre-cropped square, 240 × 240 px (the square card thumbnail in
  feeds: about 120 CSS px at 2x).

Nothing is ever upscaled: a 50 × 30 upload gives 50 × 30, 50 × 30 and 30 × 30.

JPEG rather than WebP: every browser, in-app browser, link-preview bot, mail
client and phone gallery reads it, and libjpeg-turbo encodes about 4-5x faster
than libwebp (45 ms against 210 ms for the 1600 px image here), which matters
because this runs on the web workers' CPUs. WebP would save bytes (a quarter to
a half at similar quality), so it is the natural next step once the CDN can
serve it by ``Accept`` negotiation beside these JPEGs.

``process_photo`` is CPU-bound and synchronous; callers run it in a worker
thread (``anyio.to_thread.run_sync``) and should bound how many run at once,
since one may take up to ``MAX_DECODED_BYTES`` of pixels. They should also stop
reading an upload at ``MAX_PHOTO_BYTES + 1`` bytes rather than buffer it all.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Final

from PIL import ExifTags, Image, ImageCms

from dongne.kit.errors import DomainError
from dongne.kit.i18n import N_

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES: Final = 10 * 1024 * 1024
MAX_PHOTO_PIXELS: Final = 40_000_000
MAX_SIDE: Final = 12_000
MAX_ASPECT: Final = 50  # long side / short side
# The decoded pixels with the decoder's own buffers: 160 MiB takes a 40 MP RGB
# or a 6300 x 6300 RGBA PNG (a WebP up to about 10 MP), and keeps the peak per
# upload under 200 MB.
MAX_DECODED_BYTES: Final = 160 * 1024 * 1024

FULL_LONG_SIDE: Final = 1600
LARGE_LONG_SIDE: Final = 800
SMALL_SIDE: Final = 240

CONTENT_TYPE: Final = "image/jpeg"
SUFFIX: Final = ".jpg"
JPEG_QUALITY: Final = 85

ACCEPTED_FORMATS: Final = ("JPEG", "PNG", "WEBP")
WHITE: Final = (255, 255, 255)
_SIGNATURES: Final = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # JPEG, PNG


class InvalidPhoto(DomainError):
    """Not a JPEG, PNG or WebP image."""

    status = 415
    code = "invalid_photo"
    message = N_("JPEG, PNG, WebP 사진만 올릴 수 있어요.")


class CorruptPhoto(InvalidPhoto):
    """A JPEG, PNG or WebP whose data cannot be decoded (truncated, damaged)."""

    status = 422
    message = N_("사진 파일이 손상되었어요.")


class PhotoTooLarge(DomainError):
    """More than ``MAX_PHOTO_BYTES`` of upload."""

    status = 413
    code = "photo_too_large"
    message = N_("사진은 10MB까지 올릴 수 있어요.")


class PhotoResolutionTooLarge(PhotoTooLarge):
    """More than ``MAX_PHOTO_PIXELS`` declared, whatever the file size."""

    status = 422
    message = N_("사진의 해상도가 너무 커요.")


@dataclass(frozen=True)
class ProcessedPhoto:
    full: bytes
    large: bytes
    small: bytes
    width: int  # of ``full``
    height: int  # of ``full``
    content_type: str = CONTENT_TYPE

    @property
    def suffix(self) -> str:
        """The file-name suffix for storage keys."""
        return SUFFIX


def process_photo(data: bytes) -> ProcessedPhoto:
    """Check an upload and produce the full image and two thumbnails.

    Raises ``PhotoTooLarge`` (bytes), ``PhotoResolutionTooLarge`` (pixels),
    ``InvalidPhoto`` (not JPEG/PNG/WebP) or ``CorruptPhoto`` (undecodable).
    """
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge()
    if not data:
        raise InvalidPhoto()
    image = _decode(data)
    try:
        upright = _oriented(image, _shrunk(image))
    finally:
        image.close()  # the full-size pixels go before any other copy is made
    pixels = _to_srgb(upright)
    full = _resize(pixels, _fit(pixels.size, FULL_LONG_SIDE))
    # From the upright size, not from ``full``'s rounded one, to keep the aspect.
    large = _resize(full, _fit(pixels.size, LARGE_LONG_SIDE))
    small = _centre_square(large if min(large.size) >= SMALL_SIDE else full, SMALL_SIDE)
    return ProcessedPhoto(
        full=_encode(full),
        large=_encode(large),
        small=_encode(small),
        width=full.width,
        height=full.height,
    )


def _decode(data: bytes) -> Image.Image:
    """Open (format from the bytes only), check the declared size, then decode."""
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard fired in open(); the warning is an exception when
        # warnings are errors (as in the tests), else it is only logged and our
        # own check below refuses the image.
        raise PhotoResolutionTooLarge() from exc
    except Exception as exc:
        if data.startswith(_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
            raise CorruptPhoto() from exc  # one of ours, but its header is damaged
        raise InvalidPhoto() from exc  # GIF, BMP, HEIC, SVG, text, ...
    try:
        width, height = image.size
        if (
            width * height > MAX_PHOTO_PIXELS
            or max(width, height) > MAX_SIDE
            # A thin strip is refused only when it would have to be shrunk.
            or max(width, height) > max(FULL_LONG_SIDE, MAX_ASPECT * min(width, height))
        ):
            raise PhotoResolutionTooLarge()
        if image.format in ("JPEG", "MPO"):  # MPO: a phone's multi-picture JPEG
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still leaves
            # at least the full size: much faster and smaller for camera photos.
            image.draft(None, _fit((width, height), FULL_LONG_SIDE))
        if _decoded_bytes(image) > MAX_DECODED_BYTES:
            raise PhotoResolutionTooLarge()
        image.load()
    except PhotoResolutionTooLarge:
        image.close()
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        image.close()
        raise PhotoResolutionTooLarge() from exc
    except Exception as exc:  # truncated or damaged data (OSError, SyntaxError, ...)
        image.close()
        raise CorruptPhoto() from exc
    return image


# Bytes per pixel as Pillow stores each mode (RGB takes 4, like RGBA).
_STORED_BYTES: Final = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
# libwebp's animation decoder, which Pillow uses for every WebP, keeps two
# RGBA canvases of its own and hands over a copy: 12 bytes a pixel beside ours.
_WEBP_DECODER_BYTES: Final = 12
STRIP_ROWS: Final = 64  # rows of the shrunk image made from one strip


def _decoded_bytes(image: Image.Image) -> int:
    """The memory the pixels take once decoded at ``image.size`` (after any
    JPEG draft), with the decoder's own buffers."""
    per_pixel = _STORED_BYTES.get(image.mode, 4)
    if image.format == "WEBP":
        per_pixel += _WEBP_DECODER_BYTES
    return image.width * image.height * per_pixel


def _working_mode(image: Image.Image) -> str:
    """The mode the pixels are shrunk in: ``reduce`` cannot average palette
    indices, 1-bit or 16-bit pixels, and a transparent colour (``tRNS``) must
    become an alpha band first."""
    if image.mode.startswith("I;16"):
        return "I"
    if image.mode == "PA" or ("transparency" in image.info and image.mode in ("P", "L", "RGB")):
        return "RGBA"
    return {"1": "L", "P": "RGB"}.get(image.mode, image.mode)


def _shrunk(image: Image.Image) -> Image.Image:
    """The decoded pixels shrunk by a whole factor that still leaves at least
    the full size, in the working mode: a new, small image that every later
    step works on. Made strip by strip, so that no conversion (and not
    ``reduce``'s premultiplied copy of RGBA) ever takes the full size."""
    width, height = image.size
    factor = max(1, max(width, height) // FULL_LONG_SIDE)
    mode = _working_mode(image)
    shrunk = Image.new(mode, (-(-width // factor), -(-height // factor)))
    rows = STRIP_ROWS * factor
    for top in range(0, height, rows):
        strip = image.crop((0, top, width, min(height, top + rows)))
        if strip.mode != mode:
            strip = strip.convert(mode)
        if factor > 1:
            strip = strip.reduce(factor)
        shrunk.paste(strip, (0, top // factor))
    return shrunk


_TRANSPOSE: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _oriented(original: Image.Image, pixels: Image.Image) -> Image.Image:
    """``pixels`` (the shrunk copy of ``original``) turned upright as the
    original's EXIF (or XMP) orientation says; ICC profile carried over."""
    icc = original.info.get("icc_profile")
    try:
        orientation = original.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:  # damaged EXIF must not cost the photo; keep it as stored
        log.info("ignoring unreadable EXIF orientation", exc_info=True)
        orientation = 1
    method = _TRANSPOSE.get(orientation) if isinstance(orientation, int) else None
    upright = pixels.transpose(method) if method is not None else pixels
    upright.info = {"icc_profile": icc} if isinstance(icc, bytes) and icc else {}
    return upright


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB, transparency flattened onto white, with no metadata."""
    alpha = _alpha(image)
    icc = image.info.get("icc_profile")
    if image.mode.startswith("I") or image.mode == "F":
        # 16-bit (or wider) greyscale PNG: convert("L") would clip, so scale.
        colour = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif image.mode in ("1", "L", "LA", "La"):
        colour = image.convert("L")
    elif image.mode in ("RGB", "CMYK"):  # CMYK goes through its profile, if any
        colour = image
    else:  # RGBA, RGBa, P, PA, YCbCr, LAB, HSV
        colour = image.convert("RGB")
    rgb = _icc_to_srgb(colour, icc) if isinstance(icc, bytes) and icc else None
    if rgb is None:
        rgb = colour if colour.mode == "RGB" else colour.convert("RGB")
    # A fresh image: nothing from ``info`` (exif, xmp, comment, icc_profile,
    # PNG text, dpi) can follow the pixels into the encoder.
    clean = Image.new("RGB", rgb.size, WHITE)
    clean.paste(rgb, mask=alpha)
    return clean


def _alpha(image: Image.Image) -> Image.Image | None:
    """The alpha channel, if the image has transparency that shows."""
    if image.mode in ("RGBA", "LA", "PA"):
        alpha = image.getchannel("A")
    elif image.mode in ("RGBa", "La"):
        alpha = image.getchannel("a")
    elif "transparency" in image.info and image.mode in ("P", "L", "RGB", "1"):
        alpha = image.convert("RGBA").getchannel("A")
    else:
        return None
    lowest, _highest = alpha.getextrema()
    return None if lowest == 255 else alpha


def _icc_to_srgb(image: Image.Image, icc: bytes) -> Image.Image | None:
    """Convert through the embedded profile, or None if it is unusable."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = source.profile.xcolor_space.strip()
        if (space, image.mode) not in (("RGB", "RGB"), ("GRAY", "L"), ("CMYK", "CMYK")):
            return None
        transform = ImageCms.buildTransform(
            source,
            ImageCms.createProfile("sRGB"),
            image.mode,
            "RGB",
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
        )
        return ImageCms.applyTransform(image, transform)
    except Exception:  # a broken profile: fall back to treating the pixels as sRGB
        log.info("ignoring unusable ICC profile", exc_info=True)
        return None


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """``size`` scaled down (never up) so its long side is at most ``long_side``."""
    width, height = size
    if max(width, height) <= long_side:
        return width, height
    if width >= height:
        return long_side, max(1, round(height * long_side / width))
    return max(1, round(width * long_side / height)), long_side


def _resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _centre_square(image: Image.Image, side: int) -> Image.Image:
    """The largest centred square, scaled down to at most ``side`` px."""
    width, height = image.size
    crop = min(width, height)
    left, top = (width - crop) // 2, (height - crop) // 2
    box = (left, top, left + crop, top + crop)
    target = min(side, crop)
    return image.resize((target, target), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def _encode(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(
        buffer,
        "JPEG",
        quality=JPEG_QUALITY,
        optimize=True,
        progressive=True,
        exif=b"",
        comment=b"",
    )
    return buffer.getvalue()
