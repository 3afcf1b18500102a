"""Show artwork: the producer's image, or a generated square cover with the show's title.

Apple and Google want a square RGB JPEG or PNG of 1400-3000 px; the generated cover is 1400 px.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from .errors import ConfigError

__all__ = ["COVER_SIZE_PX", "prepare_artwork"]

COVER_SIZE_PX = 1400


def _generate(title: str, path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (COVER_SIZE_PX, COVER_SIZE_PX), (22, 38, 66))
    draw = ImageDraw.Draw(image)
    draw.rectangle((90, 90, COVER_SIZE_PX - 90, COVER_SIZE_PX - 90), outline=(240, 180, 60), width=14)
    lines = textwrap.wrap(title, 14) or [title]
    size = 190 if max(len(line) for line in lines) <= 10 else 140
    font = ImageFont.load_default(size=size)
    small = ImageFont.load_default(size=64)
    y = COVER_SIZE_PX // 2 - (len(lines) * (size + 20)) // 2 - 60
    for line in lines:
        width = draw.textlength(line, font=font)
        draw.text(((COVER_SIZE_PX - width) / 2, y), line, font=font, fill=(250, 250, 245))
        y += size + 20
    tagline = "news briefs, narrated"
    draw.text(((COVER_SIZE_PX - draw.textlength(tagline, font=small)) / 2, y + 60), tagline, font=small,
              fill=(240, 180, 60))
    image.save(path, format="PNG", optimize=True)


def prepare_artwork(title: str, image: Path | None, folder: Path) -> str:
    """Put the show's artwork into ``folder`` and return its file name.

    :param title: drawn on the generated cover.
    :param image: the producer's image (JPEG or PNG), or None to generate one.
    :raises ConfigError: the producer's image is missing or not a square RGB 1400-3000 px JPEG/PNG.
    """
    if image is None:
        name = "cover.png"
        _generate(title, folder / name)
        return name
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(image) as img:
            fmt, size, mode = img.format, img.size, img.mode
    except (OSError, UnidentifiedImageError) as exc:
        raise ConfigError(f"[show] image = {image}: cannot be read as an image ({exc})") from exc
    if fmt not in ("JPEG", "PNG") or size[0] != size[1] or not 1400 <= size[0] <= 3000 or mode != "RGB":
        raise ConfigError(
            f"[show] image = {image}: is a {size[0]}x{size[1]} {mode} {fmt}; podcast apps need a square RGB "
            "JPEG or PNG of 1400 to 3000 pixels"
        )
    name = "cover" + (".jpg" if fmt == "JPEG" else ".png")
    shutil.copyfile(image, folder / name)
    return name
