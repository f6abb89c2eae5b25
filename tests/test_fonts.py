"""The handwriting fonts that training renders digits from are shipped, licensed and usable."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from digitrec.training import augment

OPEN_LICENCES = ("SIL Open Font License", "Apache License")


def test_handwriting_fonts_are_shipped_with_an_open_licence_each():
    fonts = augment.handwriting_fonts()
    assert len(fonts) >= 100
    listed = (augment.HANDWRITING_FONTS / "README.md").read_text()
    for font in fonts:
        licence = (font.parent / "LICENSE").read_text()
        assert any(name in licence for name in OPEN_LICENCES), font
        assert f"| {font.parent.name} |" in listed, f"{font.parent.name} missing in README"


def test_every_font_draws_ten_different_digits():
    # A font without digit glyphs draws the same empty box ten times.
    for font_path in augment.training_fonts():
        font = ImageFont.truetype(str(font_path), 64)
        glyphs = []
        for digit in range(10):
            canvas = Image.new("L", (96, 96), 0)
            ImageDraw.Draw(canvas).text((48, 48), str(digit), fill=255, font=font, anchor="mm")
            glyphs.append(np.asarray(canvas) > 128)
        assert all(g.sum() > 20 for g in glyphs), font_path
        different = {g.tobytes() for g in glyphs}
        assert len(different) == 10, font_path
