"""sitegen.model.site.build_site on sources parsed from inline text; no files are touched."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from sitegen.errors import Reporter, SitegenError
from sitegen.load.config import MenuConfig, MenuEntry, PermalinkConfig, SiteConfig
from sitegen.load.markup import Converter, Markup
from sitegen.load.sources import KIND_FOLDERS, SourceFile, parse_source
from sitegen.model.entities import Site
from sitegen.model.site import BuildOptions, build_site

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CONFIG = SiteConfig(timezone="Europe/London", base_url="https://news.example/")
JANE = "---\nname: Jane Doe\nrole: Political editor\n---\nJane covers Westminster.\n"


def article(
    title: str = "Talks resume",
    date: str = "2025-05-01T09:00:00",
    author: str = "jane",
    category: str = "Politics",
    extra: str = "",
    body: str = "Ministers met on Tuesday.\n",
) -> str:
    """Front matter lines 2-5 are title, date, author, category; `extra` lines follow."""
    lines = [f"title: {title}", f"date: {date}", f"author: {author}", f"category: {category}"]
    if extra:
        lines.append(extra.rstrip("\n"))
    return "---\n" + "\n".join(lines) + "\n---\n" + body


class Model:
    """The result of one build_site call."""

    def __init__(self, site: Site | None, errors: list[SitegenError], reporter: Reporter) -> None:
        self.site = site
        self.errors = errors
        self.warnings = reporter.warnings

    def ok(self) -> Site:
        assert self.errors == [], "\n".join(str(e) for e in self.errors)
        assert self.site is not None
        return self.site

    def errors_about(self, needle: str) -> list[SitegenError]:
        return [e for e in self.errors if needle in e.message]


def make_model(
    files: Mapping[str, str],
    config: SiteConfig = CONFIG,
    *,
    drafts: bool = False,
    future: bool = False,
) -> Model:
    """Parse and convert `files` (content-relative path -> text) and assemble the model."""
    files = {"authors/jane.md": JANE, **files}
    converter = Converter(config.raw_html, config.embed_hosts, config.related.inline_after)
    sources: list[SourceFile] = []
    markups: dict[str, Markup] = {}
    for rel, text in files.items():
        kind = KIND_FOLDERS[rel.split("/", 1)[0]]
        source = parse_source(rel, f"content/{rel}", kind, text.encode("utf-8"))
        sources.append(source)
        markups[rel] = converter.convert(source.body, rel)
    reporter = Reporter()
    options = BuildOptions(drafts=drafts, future=future, now=NOW)
    site, errors = build_site(sources, markups, config, options, {}, reporter)
    return Model(site, errors, reporter)


# A valid site


def test_single_article() -> None:
    site = make_model({"articles/politics/talks.md": article()}).ok()
    (only,) = site.articles
    assert only.source == "articles/politics/talks.md"
    assert only.slug == "talks-resume"
    assert only.title == "Talks resume"
    assert only.url == "/politics/talks-resume/"
    assert only.category.slug == "politics"
    assert only.category.name == "Politics"
    assert [a.name for a in only.authors] == ["Jane Doe"]
    assert only.author.url == "/author/jane/"
    assert only.author.role == "Political editor"
    assert "Jane covers Westminster." in only.author.bio_html
    assert only.body_html == "<p>Ministers met on Tuesday.</p>"
    assert only.draft is False
    assert site.build_time == NOW


def test_urls_carry_the_base_path() -> None:
    config = SiteConfig(timezone="UTC", base_url="https://x.example/news/")
    site = make_model({"articles/politics/talks.md": article()}, config).ok()
    assert site.articles[0].url == "/news/politics/talks-resume/"
    assert site.articles[0].category.url == "/news/category/politics/"


def test_slug_from_front_matter() -> None:
    text = article(extra="slug: ceasefire")
    assert make_model({"articles/p/x.md": text}).ok().articles[0].url == "/politics/ceasefire/"


def test_shared_byline() -> None:
    files = {
        "authors/john.md": "---\nname: John Roe\n---\n",
        "articles/p/x.md": article(author="[jane, john]"),
    }
    site = make_model(files).ok()
    assert [a.slug for a in site.articles[0].authors] == ["jane", "john"]
    assert set(site.by_author) == {"jane", "john"}


# Missing and invalid front matter


def test_missing_required_keys_are_each_reported() -> None:
    model = make_model({"articles/p/x.md": "---\nsummary: Only a summary\n---\nBody.\n"})
    assert model.site is None
    for key in ("title", "date", "author", "category"):
        (error,) = model.errors_about(f"`{key}:`")
        assert error.path == "content/articles/p/x.md"
        assert error.line == 1
    assert len(model.errors) == 4


def test_invalid_keys_are_reported_at_their_lines() -> None:
    text = (
        "---\n"  # 1
        "title: Talks\n"  # 2
        "date: 2025-13-45\n"  # 3
        "author: jane\n"  # 4
        "category: Politics\n"  # 5
        "draft: maybe\n"  # 6
        "reading_time: 0\n"  # 7
        "tags: {a: 1}\n"  # 8
        "---\n"
        "Body.\n"
    )
    model = make_model({"articles/p/x.md": text})
    assert model.site is None
    lines = {e.line: e.message for e in model.errors}
    assert set(lines) == {3, 6, 7, 8}
    assert "`date` is not a valid date: '2025-13-45'" in lines[3]
    assert "`draft` must be true or false" in lines[6]
    assert "`reading_time` must be a whole number" in lines[7]
    assert "`tags` must be a list" in lines[8]
    assert all(e.path == "content/articles/p/x.md" for e in model.errors)


def test_updated_before_date_is_an_error() -> None:
    text = article(extra="updated: 2025-04-01")
    (error,) = make_model({"articles/p/x.md": text}).errors
    assert error.line == 6
    assert "`updated` is before `date`" in error.message


def test_one_broken_article_does_not_hide_another() -> None:
    model = make_model(
        {
            "articles/p/a.md": article(date="yesterday"),
            "articles/p/b.md": article(title="Other", category=""),
        }
    )
    assert sorted((e.path, e.line) for e in model.errors) == [
        ("content/articles/p/a.md", 3),
        ("content/articles/p/b.md", 5),
    ]


def test_unknown_author_names_both_files() -> None:
    model = make_model({"articles/politics/talks.md": article(author="jnae")})
    (error,) = model.errors
    assert error.path == "content/articles/politics/talks.md"
    assert error.line == 4
    assert "content/authors/jnae.md" in error.message
    assert "did you mean 'jane'?" in error.message


def test_author_without_name_is_reported_in_the_author_file() -> None:
    model = make_model(
        {"authors/bob.md": "---\nrole: Reporter\n---\n", "articles/p/x.md": article()}
    )
    errors = [e for e in model.errors if e.path == "content/authors/bob.md"]
    assert len(errors) == 1
    assert "`name:`" in errors[0].message


def test_author_link_must_be_https() -> None:
    text = "---\nname: Bob\nwebsite: http://bob.example/\nx: '@bob'\n---\n"
    model = make_model({"authors/bob.md": text})
    (error,) = model.errors
    assert (error.path, error.line) == ("content/authors/bob.md", 3)


def test_author_links() -> None:
    text = "---\nname: Bob\nx: '@bob'\nemail: bob@news.example\nrank: senior\n---\n"
    site = make_model({"authors/bob.md": text}).ok()
    bob = next(a for a in site.authors if a.slug == "bob")
    assert [(link.label, link.url) for link in bob.links] == [
        ("X", "https://x.com/bob"),
        ("Email", "mailto:bob@news.example"),
    ]
    assert dict(bob.extra) == {"rank": "senior"}


def test_same_url_names_both_files() -> None:
    model = make_model(
        {
            "articles/politics/a.md": article(title="Same title"),
            "articles/politics/b.md": article(title="Same title", date="2025-05-02"),
        }
    )
    (error,) = model.errors
    assert error.path == "content/articles/politics/b.md"
    assert "content/articles/politics/a.md" in error.message
    assert "/politics/same-title/" in error.message
    assert "`slug:`" in error.message


def test_article_and_page_with_the_same_url() -> None:
    config = SiteConfig(timezone="UTC", permalinks=PermalinkConfig(article="/{slug}/"))
    model = make_model(
        {
            "articles/politics/about.md": article(title="About"),
            "pages/about.md": "---\ntitle: About us\n---\nWho we are.\n",
        },
        config,
    )
    (error,) = model.errors
    assert error.path == "content/pages/about.md"
    assert "content/articles/politics/about.md" in error.message


# Publication: drafts, embargoes, time zones


DRAFT_AND_FUTURE = {
    "articles/p/live.md": article(title="Live"),
    "articles/p/draft.md": article(title="Draft", extra="draft: true"),
    "articles/p/future.md": article(title="Future", date="2025-06-01T14:00:00"),
}


def test_drafts_and_future_articles_are_left_out() -> None:
    site = make_model(DRAFT_AND_FUTURE).ok()
    assert [a.title for a in site.articles] == ["Live"]


def test_drafts_option() -> None:
    site = make_model(DRAFT_AND_FUTURE, drafts=True).ok()
    assert sorted(a.title for a in site.articles) == ["Draft", "Live"]


def test_future_option() -> None:
    site = make_model(DRAFT_AND_FUTURE, future=True).ok()
    assert sorted(a.title for a in site.articles) == ["Future", "Live"]


def test_both_options() -> None:
    site = make_model(DRAFT_AND_FUTURE, drafts=True, future=True).ok()
    assert len(site.articles) == 3


def test_embargo_uses_the_site_time_zone() -> None:
    # 12:30 in London (BST) is 11:30 UTC: already out at NOW (12:00 UTC).
    out = make_model({"articles/p/x.md": article(date="2025-06-01T12:30:00")}).ok()
    assert len(out.articles) == 1
    # 13:30 in London is 12:30 UTC: still embargoed.
    held = make_model({"articles/p/x.md": article(date="2025-06-01T13:30:00")}).ok()
    assert held.articles == ()


def test_naive_dates_take_the_site_time_zone() -> None:
    site = make_model(
        {
            "articles/p/summer.md": article(title="Summer", date="2025-05-01T09:00:00"),
            "articles/p/winter.md": article(title="Winter", date="2025-01-15"),
            "articles/p/zulu.md": article(title="Zulu", date="2025-05-01T09:00:00Z"),
            "articles/p/offset.md": article(title="Offset", date="2025-05-01T09:00:00+02:00"),
        }
    ).ok()
    dates = {a.title: a.date for a in site.articles}
    assert dates["Summer"].utcoffset() == timedelta(hours=1)
    assert dates["Summer"] == datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
    assert dates["Winter"] == datetime(2025, 1, 15, 0, 0, tzinfo=UTC)
    assert dates["Zulu"] == datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
    assert dates["Offset"] == datetime(2025, 5, 1, 7, 0, tzinfo=UTC)


def test_link_to_a_draft_warns_instead_of_failing() -> None:
    files = {
        "articles/p/live.md": article(title="Live", body="See [d](draft.md).\n"),
        "articles/p/draft.md": article(title="Draft", extra="draft: true"),
    }
    model = make_model(files)
    model.ok()
    assert any("draft or scheduled" in w.message for w in model.warnings)


# Links between content files


def test_link_to_a_missing_file_is_an_error_at_its_line() -> None:
    text = (
        "---\n"  # 1
        "title: Talks\n"  # 2
        "date: 2025-05-01\n"  # 3
        "author: jane\n"  # 4
        "category: Politics\n"  # 5
        "---\n"  # 6
        "Intro.\n"  # 7
        "\n"  # 8
        "See [the budget](../economy/budjet.md) for more.\n"  # 9
    )
    model = make_model({"articles/politics/talks.md": text})
    (error,) = model.errors
    assert error.path == "content/articles/politics/talks.md"
    assert error.line == 9
    assert "content/articles/economy/budjet.md does not exist" in error.message


def test_link_to_an_existing_article_resolves_to_its_url() -> None:
    files = {
        "articles/politics/talks.md": article(
            body="Intro.\n\nSee [the budget](../economy/budget.md#numbers).\n"
        ),
        "articles/economy/budget.md": article(title="Budget day", category="Economy"),
    }
    site = make_model(files).ok()
    talks = next(a for a in site.articles if a.slug == "talks-resume")
    assert '<a href="/economy/budget-day/#numbers">the budget</a>' in talks.body_html
    assert "__sitegen_ref__" not in talks.body_html


def test_links_to_pages_and_authors_resolve() -> None:
    files = {
        "articles/politics/talks.md": article(
            body="By [Jane](../../authors/jane.md), see [about](../../pages/about.md).\n"
        ),
        "pages/about.md": "---\ntitle: About us\n---\nWho we are.\n",
    }
    body = make_model(files).ok().articles[0].body_html
    assert 'href="/author/jane/"' in body
    assert 'href="/about/"' in body


def test_resolved_links_keep_the_split_point() -> None:
    body = "One [x](b.md).\n\nTwo [y](b.md).\n\nThree [z](b.md).\n\nFour.\n"
    files = {
        "articles/p/a.md": article(title="A", body=body),
        "articles/p/b.md": article(title="A much longer title for b", date="2025-04-01"),
    }
    site = make_model(files).ok()
    a = next(x for x in site.articles if x.slug == "a")
    assert a.body_head.rstrip().endswith("</p>")
    assert "Three" in a.body_head
    assert a.body_tail.strip() == "<p>Four.</p>"


def test_link_error_line_when_an_earlier_link_contains_the_same_text() -> None:
    text = (
        "---\n"  # 1
        "title: Talks\n"  # 2
        "date: 2025-05-01\n"  # 3
        "author: jane\n"  # 4
        "category: Politics\n"  # 5
        "---\n"  # 6
        "See [the data](data.md).\n"  # 7
        "\n"  # 8
        "And [the other story](a.md).\n"  # 9
    )
    files = {"articles/p/data.md": article(title="Data"), "articles/p/talks.md": text}
    (error,) = make_model(files).errors
    assert "content/articles/p/a.md does not exist" in error.message
    assert error.line == 9


def test_broken_author_file_is_not_reported_as_missing() -> None:
    files = {
        "authors/bob.md": "---\nrole: Reporter\n---\n",
        "articles/p/x.md": article(author="bob"),
    }
    model = make_model(files)
    assert [e.path for e in model.errors] == ["content/authors/bob.md"]
    assert model.errors_about("has no profile") == []


# Derived values


def test_summary_derived_from_first_paragraph() -> None:
    long_first = "Ministers met on Tuesday to discuss " + "the budget and more " * 20
    site = make_model({"articles/p/x.md": article(body=f"## Heading\n\n{long_first}\n\nTwo.\n")})
    summary = site.ok().articles[0].summary
    assert summary.startswith("Ministers met on Tuesday")
    assert summary.endswith("…")
    assert len(summary) <= CONFIG.summary_length + 1


def test_summary_from_front_matter_wins() -> None:
    text = article(extra="summary: Hand-written.")
    assert make_model({"articles/p/x.md": text}).ok().articles[0].summary == "Hand-written."


def test_reading_time_derived_and_overridden() -> None:
    body = " ".join(["word"] * 450) + "\n"
    derived = make_model({"articles/p/x.md": article(body=body)}).ok().articles[0]
    assert derived.word_count == 450
    assert derived.reading_time == 3
    text = article(body=body, extra="reading_time: 7")
    assert make_model({"articles/p/x.md": text}).ok().articles[0].reading_time == 7


def test_unknown_keys_land_in_extra() -> None:
    text = article(extra="mood: grim\nsource_count: 3\ntags: [Budget]")
    only = make_model({"articles/p/x.md": text}).ok().articles[0]
    assert dict(only.extra) == {"mood": "grim", "source_count": 3}


def test_tags_are_slugged_and_deduplicated() -> None:
    text = article(extra="tags: [Gaza, gaza, Middle East]")
    site = make_model({"articles/p/x.md": text}).ok()
    assert [t.slug for t in site.articles[0].tags] == ["gaza", "middle-east"]
    assert [t.url for t in site.tags] == ["/tag/gaza/", "/tag/middle-east/"]


# Ordering and grouping


def test_articles_newest_first_with_path_as_tie_break() -> None:
    site = make_model(
        {
            "articles/p/old.md": article(title="Old", date="2025-01-01"),
            "articles/p/new.md": article(title="New", date="2025-05-20"),
            "articles/p/mid-b.md": article(title="Mid B", date="2025-03-01"),
            "articles/p/mid-a.md": article(title="Mid A", date="2025-03-01"),
        }
    ).ok()
    assert [a.title for a in site.articles] == ["New", "Mid A", "Mid B", "Old"]


def test_by_category_groups_newest_first() -> None:
    site = make_model(
        {
            "articles/p/a.md": article(title="A", date="2025-01-01"),
            "articles/p/b.md": article(title="B", date="2025-02-01", category="Economy"),
            "articles/p/c.md": article(title="C", date="2025-03-01"),
        }
    ).ok()
    assert {k: [a.title for a in v] for k, v in site.by_category.items()} == {
        "politics": ["C", "A"],
        "economy": ["B"],
    }
    assert {c.slug for c in site.categories} == {"politics", "economy"}


def test_category_spelling_differences_warn_and_use_the_first() -> None:
    model = make_model(
        {
            "articles/p/a.md": article(title="A", category="Fact Check"),
            "articles/p/b.md": article(title="B", category="Fact check"),
        }
    )
    site = model.ok()
    assert list(site.by_category) == ["fact-check"]
    assert len(model.warnings) == 1
    assert model.warnings[0].line == 5


def test_archives_by_month_newest_first() -> None:
    site = make_model(
        {
            "articles/p/a.md": article(title="A", date="2025-03-31T23:30:00"),
            "articles/p/b.md": article(title="B", date="2025-04-01T00:30:00"),
            "articles/p/c.md": article(title="C", date="2025-04-20"),
        }
    ).ok()
    assert [(a.year, a.month, [x.title for x in a.articles]) for a in site.archives] == [
        (2025, 4, ["C", "B"]),
        (2025, 3, ["A"]),
    ]


def test_related_are_computed_for_every_article() -> None:
    site = make_model(
        {
            "articles/p/a.md": article(title="A", date="2025-01-01", extra="tags: [Budget]"),
            "articles/p/b.md": article(title="B", date="2025-02-01", extra="tags: [Budget]"),
        }
    ).ok()
    assert set(site.related) == {"articles/p/a.md", "articles/p/b.md"}
    assert [a.title for a in site.related["articles/p/b.md"]] == ["A"]


# Menus


def test_default_main_menu_lists_sections_by_article_count() -> None:
    site = make_model(
        {
            "articles/p/a.md": article(title="A", category="Economy"),
            "articles/p/b.md": article(title="B"),
            "articles/p/c.md": article(title="C"),
            "articles/p/d.md": article(title="D", category="Culture"),
        }
    ).ok()
    assert [(m.title, m.url, m.section) for m in site.main_menu] == [
        ("Politics", "/category/politics/", "politics"),
        ("Culture", "/category/culture/", "culture"),
        ("Economy", "/category/economy/", "economy"),
    ]


def test_default_footer_lists_pages() -> None:
    site = make_model(
        {
            "pages/privacy.md": "---\ntitle: Privacy\n---\nx\n",
            "pages/about.md": "---\ntitle: About us\n---\nx\n",
        }
    ).ok()
    assert [(m.title, m.url) for m in site.footer_menu] == [
        ("About us", "/about/"),
        ("Privacy", "/privacy/"),
    ]


def test_configured_menu_orders_sections() -> None:
    menu = MenuConfig(
        main=(
            MenuEntry(section="economy", title="Money"),
            MenuEntry(url="/archive/", title="Past"),
        ),
    )
    config = SiteConfig(timezone="UTC", menu=menu)
    site = make_model(
        {
            "articles/p/a.md": article(title="A", category="Economy"),
            "articles/p/b.md": article(title="B"),
        },
        config,
    ).ok()
    assert [(m.title, m.url) for m in site.main_menu] == [
        ("Money", "/category/economy/"),
        ("Past", "/archive/"),
    ]
    assert [c.slug for c in site.categories] == ["economy", "politics"]


def test_menu_naming_an_unknown_section_is_an_error() -> None:
    config = SiteConfig(timezone="UTC", menu=MenuConfig(main=(MenuEntry(section="sport"),)))
    model = make_model({"articles/p/a.md": article()}, config)
    (error,) = model.errors
    assert "sport" in error.message
    assert "politics" in error.message
