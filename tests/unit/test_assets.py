"""sitegen.load.assets.size_from_bytes: image sizes from headers built in the test."""

from __future__ import annotations

import struct

import pytest

from sitegen.load.assets import size_from_bytes


def png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">II", width, height) + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\x00" * 4


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00" * 10


def jpeg(width: int, height: int, sof: int = 0xC0) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    exif = b"\xff\xe1" + struct.pack(">H", 8) + b"Exif\x00\x00"
    frame = bytes([0xFF, sof]) + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x00" * 9
    return b"\xff\xd8" + app0 + exif + frame + b"\xff\xd9"


def test_png() -> None:
    assert size_from_bytes(".png", png(640, 480)) == (640, 480)


def test_gif() -> None:
    assert size_from_bytes(".gif", gif(320, 200)) == (320, 200)


@pytest.mark.parametrize("suffix", [".jpg", ".jpeg"])
def test_baseline_jpeg(suffix: str) -> None:
    assert size_from_bytes(suffix, jpeg(800, 600)) == (800, 600)


def test_progressive_jpeg() -> None:
    assert size_from_bytes(".jpg", jpeg(1200, 675, sof=0xC2)) == (1200, 675)


@pytest.mark.parametrize(
    ("svg", "size"),
    [
        ('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"></svg>', (120, 60)),
        ('<?xml version="1.0"?>\n<svg width="120px" height=\'60px\'></svg>', (120, 60)),
        ('<svg viewBox="0 0 300 150"></svg>', (300, 150)),
        ('<svg width="100%" height="100%" viewBox="0,0,30.4,15.6"></svg>', (30, 16)),
        ('<svg stroke-width="2" width="10" height="20"></svg>', (10, 20)),
    ],
)
def test_svg(svg: str, size: tuple[int, int]) -> None:
    assert size_from_bytes(".svg", svg.encode()) == size


@pytest.mark.parametrize(
    ("suffix", "head"),
    [
        (".svg", b"<svg></svg>"),
        (".svg", b"not svg at all"),
        (".png", b"\x89PNG\r\n\x1a\n\x00"),
        (".png", b"GIF89a" + b"\x00" * 20),
        (".gif", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
        (".jpg", b"\xff\xd8\xff\xe0\x00"),
        (".jpg", b""),
        (".bmp", b"BM" + b"\x00" * 30),
    ],
)
def test_unknown_or_truncated_headers_give_none(suffix: str, head: bytes) -> None:
    assert size_from_bytes(suffix, head) is None
