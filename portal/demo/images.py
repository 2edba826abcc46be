"""Illustrations for the demo content, drawn locally with Pillow so that
seeding needs no network and no licensed photos."""

import io
import random

from PIL import Image, ImageDraw

PALETTES = {
    "blue": ("#0059b3", "#e6f0fa", "#ffd700", "#1f2a36"),
    "green": ("#2b6f2b", "#eaf4ea", "#f2a900", "#1f2a36"),
    "warm": ("#b34700", "#fff1e6", "#0059b3", "#3d2a1f"),
    "teal": ("#00706b", "#e3f4f3", "#ffb000", "#1f2a36"),
}


def _shop(draw, w, h, c, rnd):
    main, light, accent, dark = c
    draw.rectangle([w * .15, h * .35, w * .85, h * .9], fill="white", outline=dark, width=6)
    for i in range(7):
        x0 = w * .15 + i * (w * .7 / 7)
        draw.rectangle([x0, h * .28, x0 + w * .1, h * .4], fill=main if i % 2 == 0 else "white", outline=dark, width=3)
    draw.rectangle([w * .22, h * .5, w * .48, h * .8], fill=light, outline=dark, width=4)
    draw.rectangle([w * .56, h * .5, w * .74, h * .9], fill=main, outline=dark, width=4)
    draw.ellipse([w * .7, h * .68, w * .72, h * .71], fill=accent)


def _workshop(draw, w, h, c, rnd):
    main, light, accent, dark = c
    draw.ellipse([w * .15, h * .45, w * .45, h * .85], outline=dark, width=10)
    draw.ellipse([w * .55, h * .45, w * .85, h * .85], outline=dark, width=10)
    draw.line([w * .3, h * .65, w * .45, h * .45, w * .62, h * .45, w * .7, h * .65], fill=main, width=12)
    draw.line([w * .45, h * .45, w * .52, h * .65, w * .3, h * .65], fill=main, width=12)
    draw.line([w * .62, h * .45, w * .6, h * .36, w * .66, h * .36], fill=dark, width=10)


def _people(draw, w, h, c, rnd):
    main, light, accent, dark = c
    for i, x in enumerate((.25, .5, .75)):
        colour = (main, accent, dark)[i]
        draw.ellipse([w * (x - .07), h * .25, w * (x + .07), h * .25 + w * .14], fill=colour)
        draw.rounded_rectangle([w * (x - .12), h * .5, w * (x + .12), h * .95], radius=int(w * .05), fill=colour)
    draw.rectangle([w * .1, h * .7, w * .9, h * .78], fill=light, outline=dark, width=4)


def _growth(draw, w, h, c, rnd):
    main, light, accent, dark = c
    for i in range(6):
        bar_h = h * (.15 + i * .11)
        x0 = w * (.12 + i * .13)
        draw.rectangle([x0, h * .88 - bar_h, x0 + w * .09, h * .88], fill=main if i < 5 else accent, outline=dark, width=3)
    draw.line([w * .1, h * .88, w * .92, h * .88], fill=dark, width=6)


SCENES = {"shop": _shop, "workshop": _workshop, "people": _people, "growth": _growth}


def draw_illustration(scene, palette="blue", size=(1600, 1000), seed=1):
    """Return PNG bytes of a simple flat illustration."""
    rnd = random.Random(seed)
    colours = PALETTES[palette]
    w, h = size
    image = Image.new("RGB", size, colours[1])
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        r = rnd.randint(int(w * .05), int(w * .14))
        x, y = rnd.randint(0, w), rnd.randint(0, int(h * .3))
        draw.ellipse([x - r, y - r, x + r, y + r], fill="white")
    draw.ellipse([w * .8, h * .06, w * .92, h * .06 + w * .12], fill=colours[2])
    draw.rectangle([0, h * .9, w, h], fill=colours[0])
    SCENES[scene](draw, w, h, colours, rnd)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def draw_logo(initials, colour="#0059b3", size=192):
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([0, 0, size - 1, size - 1], radius=size // 5, fill=colour)
    draw.polygon([(size * .2, size * .78), (size * .5, size * .22), (size * .8, size * .78)], fill="white")
    draw.rectangle([size * .42, size * .56, size * .58, size * .78], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
