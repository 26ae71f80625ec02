#!/usr/bin/env python3
"""Draw the default theme's icons: ``themes/default/static/favicon.ico`` (16 and 32 px) and
``themes/default/static/apple-touch-icon.png`` (180 px, what phones put on the home screen).

A maintainer's tool, run only when the drawing changes; the files it writes are committed. A
white house on the theme's brand red (``--brand`` in site.css). A home replaces them like any
theme file: ``HOME/themes/default/static/favicon.ico``.

    .venv/bin/python scripts/make_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parents[1] / "themes" / "default" / "static"
BRAND = (0xB3, 0x26, 0x1E)
WHITE = (255, 255, 255)
SCALE = 8  # drawn this many times larger, then scaled down: smooth edges


def house(size: int, *, rounded: bool) -> Image.Image:
    """The icon at ``size`` px: rounded corners with transparency around them for the browser
    tab; a full square for phones, which round the corners themselves (and paint any
    transparency black)."""
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if rounded:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.2, fill=BRAND)
    else:
        draw.rectangle((0, 0, big, big), fill=BRAND)

    def at(x: float, y: float) -> tuple[float, float]:
        return x * big, y * big

    draw.polygon([at(0.5, 0.17), at(0.12, 0.52), at(0.88, 0.52)], fill=WHITE)  # roof
    draw.rectangle((*at(0.23, 0.47), *at(0.77, 0.83)), fill=WHITE)  # walls
    draw.rectangle((*at(0.42, 0.6), *at(0.58, 0.83)), fill=BRAND)  # door
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    icons = [house(size, rounded=True) for size in (16, 32)]  # a tab's size, and a sharp screen's
    icons[-1].save(STATIC / "favicon.ico", format="ICO", sizes=[i.size for i in icons], append_images=icons[:-1])
    touch = house(180, rounded=False).convert("RGB").quantize(colors=32, dither=Image.Dither.NONE)
    touch.save(STATIC / "apple-touch-icon.png", optimize=True)
    for name in ("favicon.ico", "apple-touch-icon.png"):
        print(f"{name}: {(STATIC / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()
