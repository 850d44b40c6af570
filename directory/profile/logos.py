"""Safe logo uploads (docs/security-checks.md F29–F32).

An upload is judged by its content only — never by its name or the content type the browser sent:

* at most settings.LOGO_MAX_BYTES bytes;
* only PNG, JPEG or WebP, as Pillow identifies them (`Image.open(..., formats=…)`: no other decoder is even
  tried, so SVG, HTML, PDF, EPS and the rest are refused whatever they are called);
* at most settings.LOGO_MAX_PIXELS pixels, checked from the header *before* any pixel is decoded, so a
  "pixel bomb" (a huge image that compresses to a few kilobytes) never reaches memory;
* `verify()` over the whole file, then a fresh open to decode it;
* re-encoded to PNG, at most 512 × 512, without any metadata (EXIF, text chunks, ICC profiles), so bytes
  that rode along after the image (an HTML page after IEND) are dropped.

The result is stored under a generated name (`logos/<uuid4>.png`, see directory.profile.services), so the
uploaded file's name is never used.
"""

from __future__ import annotations

import io
import warnings
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
MAX_SIDE = 512


def _refuse_format() -> ValidationError:
    return ValidationError(_("Upload the logo as a PNG, JPEG or WebP image."), code="logo_format")


def reencode_logo(upload: IO[bytes], *, size: int | None = None) -> bytes:
    """Return the logo in `upload` as PNG bytes (≤ 512 × 512, no metadata), or raise ValidationError
    with a message for the person uploading."""
    size = size if size is not None else getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    if size > settings.LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is too large: at most %(mb)s MB.") % {"mb": f"{settings.LOGO_MAX_BYTES / (1024 * 1024):.0f}"},
            code="logo_too_large",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="logo_empty")
    too_many_pixels = ValidationError(
        _("The image has too many pixels: at most %(pixels)s million.")
        % {"pixels": f"{settings.LOGO_MAX_PIXELS / 1_000_000:g}"},
        code="logo_too_many_pixels",
    )
    with warnings.catch_warnings():
        # Pillow's own bomb guard: a warning past MAX_IMAGE_PIXELS, an error past twice that. Both mean no.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            upload.seek(0)
            with Image.open(upload, formats=ACCEPTED_FORMATS) as probe:
                width, height = probe.size
                if width * height > settings.LOGO_MAX_PIXELS:
                    raise too_many_pixels
                probe.verify()
            upload.seek(0)
            with Image.open(upload, formats=ACCEPTED_FORMATS) as image:
                if image.size != (width, height):
                    raise _refuse_format()
                if image.format == "JPEG":
                    image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale: less memory
                image.load()
                return _to_png(image)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except Exception:  # UnidentifiedImageError, truncated or corrupt data, decoder errors
            raise _refuse_format() from None


def _to_png(image: Image.Image) -> bytes:
    image = ImageOps.exif_transpose(image)  # honour the camera's orientation before the EXIF is dropped
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    clean = Image.new(image.mode, image.size)  # a new image: no info dict, no ICC profile, no EXIF
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()
