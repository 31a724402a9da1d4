"""Links between content files and the images they show, checked while the model is
assembled (model/site.py): a link to a missing file is an error; a link to a draft, a missing
#fragment, an image that will not show and what the body's sanitiser removed are warnings."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import unquote

from sitegen.errors import ContentError, Reporter, SitegenError
from sitegen.load.html_policy import embed_host
from sitegen.load.markup import Markup, Reference, resolve_refs
from sitegen.load.sources import SourceFile
from sitegen.model.bundles import bundle_links, kept_as_written
from sitegen.model.entities import Article, Author, Page


@dataclass(frozen=True)
class ContentLinks:
    """Where each content file's internal links lead, and where to report the ones that will
    not work."""

    url_of: Mapping[str, str]
    unpublished: set[str]
    sources: Mapping[str, SourceFile]
    static_files: Mapping[str, object]
    markups: Mapping[str, Markup]
    reporter: Reporter
    errors: list[SitegenError]
    unreadable: frozenset[str] = frozenset()
    """Content files that exist but could not be read (errors of their own)."""
    content_files: Collection[str] = frozenset()
    """Content paths of the files beside pages and stories (bundles) that exist."""

    def check_all(self, articles: Sequence[Article], pages: Sequence[Page]) -> list[Page]:
        """Check the links of every article and page; the pages with their links resolved."""
        for a in articles:
            self.check(a.source)
        return [self.resolve(p) for p in pages]

    def check(self, rel: str) -> bool:
        """Warn about links and images that will not work, and record links to missing files as
        errors; True when every internal link has somewhere to go."""
        sources, markups, url_of, unpublished = (
            self.sources,
            self.markups,
            self.url_of,
            self.unpublished,
        )
        source, markup, reporter = sources[rel], markups[rel], self.reporter
        warn_removed(source, markup, reporter)
        self.check_images(source, markup)
        missing = []
        for ref in markup.refs:
            if ref.target in url_of:
                fragment = unquote(ref.text.partition("#")[2])
                target = markups.get(ref.target)
                if fragment and target is not None and fragment not in target.ids:
                    reporter.warn(
                        source.display,
                        source.line_of_text(f"]({ref.text}", ref.text),
                        f"links to {ref.text}, but content/{ref.target} has no heading or element with id {fragment!r}",
                    )
                continue
            if ref.target in self.unreadable or (
                ref.target in sources and ref.target not in unpublished
            ):
                continue  # the target exists but has errors of its own, reported there
            line = source.line_of_text(f"]({ref.text}", ref.text)
            if ref.target in unpublished:
                reporter.warn(
                    source.display,
                    line,
                    f"links to {ref.text}, which is a draft or scheduled; the link will not work until it is published",
                )
            else:
                missing.append(ref)
                self.errors.append(
                    ContentError(
                        source.display,
                        line,
                        f"links to {ref.text}, but content/{ref.target} does not exist; fix the path (it is relative to this file)",
                    )
                )
        return not missing

    def check_images(self, source: SourceFile, markup: Markup) -> None:
        """Warn about images that will not show: a site path not in static/, a scheme-relative
        `//host/a.png` (another site's, like https://, but read as a site path: `//images/`),
        and images without alt text."""
        for image in markup.images:
            src = image.src
            # Line numbers are looked up only for a message: finding one needs the body, which
            # the build cache fetches from the file.
            if src.startswith("//"):
                host = src[2:].split("/", 1)[0]
                self.reporter.warn(
                    source.display,
                    source.line_of_text(f"]({src}", src),
                    f"image {src} is on another site ({host!r}); write https:{src} if that is "
                    f"meant, or /{src.lstrip('/')} for a file in static/",
                )
            elif src.startswith("/") and src not in self.static_files:
                self.reporter.warn(
                    source.display,
                    source.line_of_text(f"]({src}", src),
                    f"image {src} is not in static/; add the file or fix the path",
                )
            if not image.has_alt:
                self.reporter.warn(
                    source.display,
                    source.line_of_text(f"]({src}", src),
                    f"image {src} has no alt text; write ![what it shows]({src})",
                )

    def resolve(self, page: Page) -> Page:
        """The page with its internal links and the files beside it pointed at their URLs,
        once checked."""
        markup = self.markups[page.source]
        if not self.check(page.source) or not (markup.refs or markup.files):
            return page
        source = self.sources[page.source]
        files = bundle_links(source, page.url, markup.files, self.content_files, self.reporter)
        return replace(page, body_html=resolve_refs(page.body_html, {**self.url_of, **files}))


def warn_removed(source: SourceFile, markup: Markup, reporter: Reporter) -> None:
    """Warn about what the body of `source` leaves out of what its writer wrote: script links,
    attributes that Markdown may not write, and embeds from hosts not allowed."""
    for url in markup.unsafe_links:
        reporter.warn(
            source.display,
            source.line_of_text(f"]({url}", url),
            f"the link {url[:60]!r} would run a script; it was removed (use an https:// link)",
        )
    for tag, name, value, reason in markup.stripped_attributes:
        line = source.line_of_text(
            f'{name}="{value}"', f"{name}='{value}'", f"{name}={value}", name
        )
        reporter.warn(
            source.display,
            line,
            f"removed the attribute `{name}` from <{tag}> ({reason}); take it out of the `{{: ...}}` list",
        )
    for src in markup.blocked_embeds:
        host = embed_host(src)
        line = source.line_of_text(f'src="{src}"', src, host or src)
        reporter.warn(source.display, line, _embed_message(src, host))


def _embed_message(src: str, host: str | None) -> str:
    if host is None:
        return (
            f"removed the embed {src[:60]!r}: an embed must be an https:// address on a host "
            "listed in `embed_hosts` (sitegen.toml)"
        )
    return (
        f"removed the embed from {host}: the host is not in `embed_hosts`; add it there "
        "(sitegen.toml) if the site should show embeds from it"
    )


def with_bio_links(
    profiles: Mapping[str, Author],
    sources: Sequence[SourceFile],
    markups: Mapping[str, Markup],
    url_of: Mapping[str, str],
    reporter: Reporter,
) -> dict[str, Author]:
    """The author `profiles` (by source path) with the links in their bios resolved: a story
    or page to its URL. A bio shows no file beside its profile (a portrait goes in static/),
    so such a file keeps its address as written, with a warning, as a link that leads to no
    published page does."""
    by_rel = {s.rel: s for s in sources}
    resolved = dict(profiles)
    for rel, author in profiles.items():
        source, markup = by_rel[rel], markups[rel]
        if not (markup.refs or markup.files):
            continue
        links = {r.target: url_of[r.target] for r in markup.refs if r.target in url_of}
        for ref in (*markup.refs, *markup.files):
            if ref.target not in links:
                links[ref.target] = kept_as_written(source, ref, _bio_problem(ref), reporter)
        resolved[rel] = replace(author, bio_html=resolve_refs(author.bio_html, links))
    return resolved


def _bio_problem(ref: Reference) -> str:
    if ref.target.endswith(".md"):
        return f"links to {ref.text}, but content/{ref.target} is no published story or page"
    return (
        f"{ref.text}: an author's bio does not publish files beside the profile; put the file "
        "in static/ and write a site path such as /images/authors/portrait.jpg"
    )
