"""An article's featured image: its front-matter keys checked on their own (with the rest of
the article's front matter, cached), then matched with the image file once the site's static
files are known (articles.py calls both)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sitegen.errors import Reporter, SitegenError
from sitegen.load.assets import MEDIA_TYPES, StaticInfo
from sitegen.model.entities import Image
from sitegen.model.entries import Fields, safe_url
from sitegen.model.urls import Urls

_COMPUTER_FOLDERS = ("/home/", "/Users/", "/root/", "/tmp/", "/var/", "/etc/", "/private/",
                     "/Volumes/", "/mnt/", "/media/", "/opt/", "/usr/")  # fmt: skip
"""Where files on a writer's machine live: an image path starting so is a copied file path."""


@dataclass(frozen=True)
class FrontMatterImage:
    """The image keys of one article as written, checked on their own."""

    src: str
    alt: str
    caption: str
    credit: str
    width: int | None
    height: int | None
    errors: tuple[SitegenError, ...]
    """Problems with width, height, caption or credit: reported only if the image is used."""


def front_matter_image(f: Fields) -> FrontMatterImage | None:
    src = safe_url(f, "image", f.text("image"))
    if not src:
        return None
    alt = f.text("image_alt")
    # Read only if the image is used (see _image): their own errors are kept apart.
    late = Fields(f.source, [])
    width, height = late.number("image_width"), late.number("image_height")
    caption, credit = late.text("image_caption"), late.text("image_credit")
    return FrontMatterImage(src, alt, caption, credit, width, height, tuple(late.errors))


def article_image(
    f: Fields,
    d: FrontMatterImage,
    u: Urls,
    image_sizes: Mapping[str, StaticInfo],
    reporter: Reporter,
) -> Image | None:
    """The article's image, sized from its file in static/ when the front matter gives no
    size; None (with an error) when it is a file on the writer's computer."""
    if not _image_is_usable(f, d, image_sizes, reporter):
        return None
    src, info = d.src, image_sizes.get(d.src)
    if d.errors:
        f.ok = False
        f.errors.extend(d.errors)
    width, height = _image_size(d, info)
    if src.startswith("/"):
        src = u.base_path + src
    return Image(
        src,
        d.alt,
        d.caption,
        d.credit,
        width,
        height,
        length=info.length if info else None,
        media_type=info.media_type if info else _guess_type(src),
    )


def _image_size(d: FrontMatterImage, info: StaticInfo | None) -> tuple[int | None, int | None]:
    """The size the front matter gives, else the file's: both from one of them, so that a
    width and a height from different places never distort the image."""
    if (d.width is None or d.height is None) and info:
        return info.width, info.height
    return d.width, d.height


def _image_is_usable(
    f: Fields, d: FrontMatterImage, image_sizes: Mapping[str, StaticInfo], reporter: Reporter
) -> bool:
    """False (an error) for a path on the writer's computer, which no reader can load; a site
    path missing from static/ or a missing alt text is only warned about (one of them)."""
    src = d.src
    if src.startswith(_COMPUTER_FOLDERS) and src not in image_sizes:
        f.error(
            "image",
            f"`image` {src!r} is a file on a computer, not in the site; copy it into static/ "
            "(e.g. static/images/photo.jpg) and write image: /images/photo.jpg",
        )
        return False
    if src.startswith("/") and src not in image_sizes:
        reporter.warn(
            f.source.display,
            f.source.line_of("image"),
            f"image {src} is not in static/; add the file or fix the path",
        )
    elif not d.alt:
        reporter.warn(
            f.source.display,
            f.source.line_of("image"),
            "the image has no `image_alt:`; describe it for readers who cannot see it",
        )
    return True


def _guess_type(src: str) -> str:
    suffix = "." + src.rsplit(".", 1)[-1].lower() if "." in src else ""
    return MEDIA_TYPES.get(suffix, "image/jpeg")
