"""The Jinja environment: theme lookup (site templates/ over the theme), filters, strictness."""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from sitegen.errors import TemplateError
from sitegen.model.text import MONTHS, long_date
from sitegen.model.urls import Urls

BUILTIN = Path(__file__).resolve().parent / "builtin"
_PACKAGE = Path(__file__).resolve().parent.parent
BUNDLED_THEMES = (
    _PACKAGE / "themes",
    *([_PACKAGE.parent / "themes"] if (_PACKAGE.parent / "pyproject.toml").is_file() else []),
)
"""Where sitegen's own themes are: sitegen/themes in an installed package (the wheel carries a
copy of the repository's themes/, which sitegen/themes links to), or the repository's themes/
itself in a source checkout whose link did not survive (git on Windows writes it as a file)."""


def theme_dirs(site_root: Path, theme: str) -> list[Path]:
    """Template folders, highest priority first: the site's templates/, the theme, then the
    built-in feed and sitemap templates (which a theme may override)."""
    themes = [d / "templates" for d in _theme_roots(site_root, theme)]
    return [site_root / "templates", *themes, BUILTIN]


def theme_static_dirs(site_root: Path, theme: str) -> list[Path]:
    return [d / "static" for d in _theme_roots(site_root, theme)]


def _theme_roots(site_root: Path, theme: str) -> list[Path]:
    bundled = next((d.resolve() / theme for d in BUNDLED_THEMES if (d / theme).is_dir()), None)
    local = site_root / "themes" / theme
    return [d for d in dict.fromkeys([local, bundled]) if d and d.is_dir()]


def make_environment(
    template_dirs: list[Path],
    urls: Urls,
    asset_hashes: Mapping[str, str],
    compiled: jinja2.BytecodeCache | None = None,
) -> jinja2.Environment:
    """`compiled`: where compiled templates are kept between builds (compiling the theme anew
    costs about as much as rendering a dozen pages). Jinja checks each against its template's
    text; `environment_key` tells apart the settings below, which shape the compiled code."""
    env = _Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs if d.is_dir()]),
        # Escaping suits HTML and XML alike; only plain-text outputs (robots.txt) are left raw.
        autoescape=lambda name: not (name or "").endswith(".txt"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=compiled,
    )
    filters: dict[str, Callable[..., Any]] = {
        "date_long": long_date,
        "date_short": lambda d: f"{MONTHS[d.month - 1][:3]} {d.day}, {d.year}",
        "time_hm": lambda d: f"{d.hour:02d}:{d.minute:02d}",
        "month_name": lambda m: MONTHS[int(m) - 1],
        "absolute": urls.absolute,
        "json_ld": json_ld,
        "thousands": lambda n: f"{n:,}",
        "iso": lambda d: d.isoformat() if isinstance(d, datetime) else str(d),
        "rfc822": lambda d: email.utils.format_datetime(d),
        "absolutize": lambda html: absolutize(html, urls),
    }
    env.filters.update(filters)

    def asset(path: str) -> str:
        digest = asset_hashes.get(path)
        if digest is None:
            raise jinja2.TemplateRuntimeError(f"asset {path!r} is not in the theme's static folder")
        return f"{urls.base_path}/{path}?v={digest}"

    env.globals["asset"] = asset
    return env


class ExtraValues(dict[str, Any]):
    """An `extra` mapping (front matter's or sitegen.toml's [extra]) as templates see it: a key
    it lacks reads as empty and false, because writers set such keys on some stories only
    (`{% if article.extra.kicker %}`). Everything else stays strict: a misspelt real attribute
    still fails the build with its template and line."""


class _Environment(jinja2.Environment):
    def getattr(self, obj: Any, attribute: str) -> Any:
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            try:
                value = obj[attribute]
            except (TypeError, LookupError, AttributeError):
                return self._missing(obj, attribute)
        if attribute == "extra" and isinstance(value, Mapping):
            return ExtraValues(value)
        return value

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, ExtraValues):
            return obj[argument] if argument in obj else self._missing(obj, argument)
        return super().getitem(obj, argument)

    def _missing(self, obj: Any, name: str) -> Any:
        if isinstance(obj, ExtraValues):
            return jinja2.ChainableUndefined(obj=obj, name=name)
        return self.undefined(obj=obj, name=name)


def environment_key() -> str:
    """Changes whenever this module does (and with it, possibly, make_environment's settings)."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


_ROOT_RELATIVE = re.compile(r'(\s(?:href|src)=")(/(?!/)[^"]*)"')


def absolutize(html: str, urls: Urls) -> str:
    """Root-relative links made absolute, for HTML read outside the site (feed readers)."""
    return _ROOT_RELATIVE.sub(lambda m: f'{m.group(1)}{urls.absolute(m.group(2))}"', html)


def json_ld(value: Any) -> Markup:
    """JSON for a <script> element: `<`, `>` and `&` are escaped so no string can close the tag."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def asset_hashes(theme_static: list[Path], site_static: Path) -> dict[str, str]:
    """Short content hashes of theme static files, by path, for cache-busting URLs. Where the
    site's static/ holds a file of the same path, that file is the one published, so its hash
    is the one that must change the URL."""
    hashes: dict[str, str] = {}
    for root in reversed(theme_static):
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file():
                hashes[path.relative_to(root).as_posix()] = _short_hash(path)
    for rel in hashes:
        override = site_static / rel
        if override.is_file():
            hashes[rel] = _short_hash(override)
    return hashes


def _short_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render, turning Jinja's errors into a TemplateError that names the template and line."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            _template_path(env, exc.name or name), exc.lineno, f"syntax error: {exc.message}"
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(
            name, None, f"template {exc.name!r} not found in the site's templates/ or the theme"
        ) from None
    except (
        jinja2.UndefinedError,
        jinja2.TemplateRuntimeError,
        TypeError,
        ValueError,
        AttributeError,
        KeyError,
        IndexError,
        ZeroDivisionError,
    ) as exc:
        template, line = _failing_frame(exc, name)
        hint = (
            "; check the name against sitegen/render/contexts.py"
            if isinstance(exc, jinja2.UndefinedError)
            else "; fix this expression in the template"
        )
        raise TemplateError(
            _template_path(env, template), line, f"{type(exc).__name__}: {exc}{hint}"
        ) from None


def _failing_frame(exc: BaseException, default: str) -> tuple[str, int | None]:
    """The innermost template frame of a render error: Jinja maps template lines into tracebacks."""
    found: tuple[str, int | None] = (default, None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html") or filename.endswith(".xml") or filename.endswith(".txt"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _template_path(env: jinja2.Environment, name: str) -> str:
    path = Path(name)
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return path.as_posix()
    loader = env.loader
    if isinstance(loader, jinja2.FileSystemLoader):
        for root in loader.searchpath:
            candidate = Path(root) / name
            if candidate.is_file():
                return _template_path(env, str(candidate))
    return name
