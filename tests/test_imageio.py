"""Decoding: every colour mode and container we promise, and a clear error for the rest."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from digitrec.imageio import ImageError, load_grey
from digitrec.training import renders

from .images import drawn_digit, png_bytes


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.fixture()
def seven():
    return drawn_digit(7)  # white on black, 280x280


def test_grey_png_round_trips(seven):
    assert np.array_equal(load_grey(png_bytes(seven)), seven)


def test_a_grey_array_comes_back_equal_and_as_a_copy_of_our_own(seven):
    grey = load_grey(seven)
    assert np.array_equal(grey, seven) and grey.dtype == np.uint8
    grey[:] = 0  # writable, and the caller's array is untouched
    assert seven.any()
    decoded = load_grey(png_bytes(seven))  # numpy's view of a PIL image is read-only
    decoded[0, 0] = 1


def test_rgb_and_palette_and_16_bit_decode_to_the_same_picture(seven):
    rgb = Image.fromarray(np.dstack([seven] * 3))
    palette = rgb.convert("P")
    sixteen = Image.fromarray(seven.astype(np.uint16) * 257)
    for source in (_encode(rgb, "PNG"), _encode(palette, "PNG"), _encode(sixteen, "PNG")):
        grey = load_grey(source)
        assert grey.shape == seven.shape
        assert np.abs(grey.astype(int) - seven).mean() < 2


def test_white_strokes_on_transparent_canvas_become_white_on_black(seven):
    rgba = np.dstack([np.full_like(seven, 255)] * 3 + [seven])  # colour white everywhere
    grey = load_grey(rgba)
    assert grey[seven == 255].min() > 200 and grey[seven == 0].max() < 50


def test_dark_ink_on_transparent_becomes_dark_on_white(seven):
    rgba = np.dstack([np.zeros_like(seven)] * 3 + [seven])
    grey = load_grey(rgba)
    assert grey[seven == 255].max() < 50 and grey[seven == 0].min() > 200


def test_cmyk_jpeg_decodes(seven):
    cmyk = Image.fromarray(255 - seven).convert("CMYK")
    grey = load_grey(_encode(cmyk, "JPEG", quality=95))
    assert grey.shape == seven.shape
    assert grey[seven == 255].mean() < 80  # ink stays dark


def test_exif_rotation_is_applied():
    image = np.zeros((40, 100), np.uint8)
    image[:, :10] = 255  # a bright band on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    grey = load_grey(_encode(Image.fromarray(image), "JPEG", exif=exif.tobytes(), quality=95))
    assert grey.shape == (100, 40)
    assert grey[:10].mean() > 200 and grey[-10:].mean() < 50  # the band is now on top


def test_iphone_heic_photos_decode_in_a_process_that_never_heard_of_heic(tmp_path, seven):
    """iPhones save HEIC, which Pillow alone cannot read: pillow-heif comes in on first need."""
    path = tmp_path / "seven.heic"
    path.write_bytes(renders.as_heic(255 - seven))
    read = (
        "import sys; from digitrec.imageio import load_grey; "
        "print(load_grey(sys.argv[1]).tobytes().hex())"
    )
    done = subprocess.run([sys.executable, "-c", read, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    grey = np.frombuffer(bytes.fromhex(done.stdout.strip()), np.uint8).reshape(seven.shape)
    assert grey[seven == 255].mean() < 40 and grey[seven == 0].mean() > 215


def test_a_truncated_heic_is_a_clear_error(seven):
    data = renders.as_heic(255 - seven)
    with pytest.raises(ImageError, match="cannot decode"):
        load_grey(data[: len(data) - 50])


def test_avif_photos_decode(seven):
    ink_on_paper = Image.fromarray(np.dstack([255 - seven] * 3))
    grey = load_grey(_encode(ink_on_paper, "AVIF", quality=90))
    assert grey.shape == seven.shape
    assert grey[seven == 255].mean() < 40 and grey[seven == 0].mean() > 215


def test_a_heic_photo_is_turned_upright():
    image = np.zeros((40, 100, 3), np.uint8)
    image[:, :10] = 255  # a bright band on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    grey = load_grey(renders.as_heic(image, exif=exif.tobytes()))
    assert grey.shape == (100, 40)
    assert grey[:10].mean() > 200 and grey[-10:].mean() < 50  # the band is now on top


def test_animated_gif_gives_first_frame(seven):
    frames = [Image.fromarray(seven), Image.fromarray(np.zeros_like(seven))]
    data = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert load_grey(data)[seven == 255].mean() > 200


def test_path_and_file_object(tmp_path, seven):
    path = tmp_path / "seven.png"
    path.write_bytes(png_bytes(seven))
    assert np.array_equal(load_grey(path), seven)
    assert np.array_equal(load_grey(str(path)), seven)
    with open(path, "rb") as stream:
        assert np.array_equal(load_grey(stream), seven)


@pytest.mark.parametrize(
    "array",
    [
        np.zeros((10, 10), bool),
        np.zeros((10, 10), np.float32),
        np.zeros((10, 10, 1), np.uint8),
        np.zeros((10, 10, 3), np.uint16),
    ],
)
def test_array_kinds(array):
    assert load_grey(array).dtype == np.uint8


def test_float_pixels_are_on_the_unit_scale_and_integers_on_the_byte_scale():
    assert load_grey(np.full((4, 4), 0.5))[0, 0] == 128
    assert load_grey(np.full((4, 4), 1.0000001, np.float32))[0, 0] == 255  # rounding slack
    assert load_grey(np.full((4, 4), 200, np.int64))[0, 0] == 200
    # A dark picture on the 0..255 scale would pass for a bright one on 0..1 if guessed.
    dark = np.full((4, 4), 0.8)
    dark[0, 0] = 3.0
    with pytest.raises(ImageError, match=r"expected float pixel values in \[0, 1\], got 0.8..3"):
        load_grey(dark)
    with pytest.raises(ImageError, match=r"expected int64 pixel values in 0..255, got 0..300"):
        load_grey(np.array([[0, 300]], np.int64))


def test_a_folder_is_named_as_a_folder(tmp_path):
    with pytest.raises(ImageError, match="a folder, not an image file"):
        load_grey(tmp_path)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"", "empty file"),
        (b"hello, this is a text file", "not an image"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(200), "not an image"),
        (np.zeros((4, 4, 5), np.uint8), "expected an image with 1, 3 or 4 channels, got 5"),
        (np.zeros((0, 4), np.uint8), "no pixels"),
        (np.full((4, 4), np.nan), "finite"),
        (12, "expected a path"),
    ],
)
def test_bad_input_gives_a_clear_error(source, message):
    with pytest.raises(ImageError, match=message):
        load_grey(source)


def test_truncated_png_is_a_clear_error(seven):
    data = png_bytes(seven)
    with pytest.raises(ImageError, match="corrupt|cannot"):
        load_grey(data[: len(data) // 2])


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        load_grey(tmp_path / "nothing.png")


def decompression_bomb(side: int = 50_000) -> bytes:
    """A valid 50,000 x 50,000 grey PNG of zeros: 2.5 GB of pixels in about 2.5 MB."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    # Deflate one block of 100 rows once: after a full flush a block refers to nothing
    # before it, so repeating its bytes is a valid stream (built in well under a second).
    rows = bytes(side + 1) * 100  # filter byte + pixels, per row
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(rows) + deflate.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(side // 100):
        checksum = zlib.adler32(rows, checksum)
    stream = b"\x78\xda" + block * (side // 100) + b"\x03\x00" + struct.pack(">I", checksum)
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", stream) + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="session")
def bomb_png() -> bytes:
    return decompression_bomb()


def test_decompression_bomb_is_refused_before_decoding(bomb_png):
    with pytest.raises(ImageError, match="too large"):
        load_grey(bomb_png)
