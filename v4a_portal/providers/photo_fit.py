"""The product photo fitted to a clip's exact frame: image-to-video models take it as the
first frame, and some refuse (or distort) an image whose size differs from the video's."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from v4a_portal.providers.video_provider import PermanentProviderError


def fit_png(data: bytes, width: int, height: int) -> bytes:
    """Scale and centre-crop to exactly width x height; PNG, so nothing is lost twice."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            photo = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise PermanentProviderError("The photo could not be read.", code="bad_image") from exc
    fitted = ImageOps.fit(photo, (width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    fitted.save(out, "PNG")
    return out.getvalue()
