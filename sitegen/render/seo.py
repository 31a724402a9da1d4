"""What a page tells search engines and social networks: <head> metadata and JSON-LD."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sitegen.load.config import SiteConfig
from sitegen.model.entities import Article, Author
from sitegen.model.urls import Urls
from sitegen.render.contexts import Alternate, Crumb, Meta


def page_meta(
    config: SiteConfig,
    urls: Urls,
    *,
    title: str,
    description: str,
    url: str,
    og_type: str = "website",
    image: tuple[str, int | None, int | None, str] | None = None,
    noindex: bool = False,
    alternates: Sequence[Alternate] = (),
    article_tags: Sequence[tuple[str, str]] = (),
    json_ld: Sequence[Mapping[str, Any]] = (),
    prev_url: str = "",
    next_url: str = "",
) -> Meta:
    full_title = title if title == config.title else f"{title} · {config.title}"
    if image is None and config.logo:
        image = (urls.base_path + config.logo, None, None, config.title)
    src, width, height, alt = image or ("", None, None, "")
    return Meta(
        title=full_title,
        og_title=title,
        description=description or config.description or config.tagline,
        canonical=urls.absolute(url),
        og_type=og_type,  # type: ignore[arg-type]
        image=urls.absolute(src) if src else "",
        image_width=width,
        image_height=height,
        image_alt=alt,
        noindex=noindex,
        alternates=tuple(alternates),
        article_tags=tuple(article_tags),
        json_ld=tuple(json_ld),
        prev_url=urls.absolute(prev_url) if prev_url else "",
        next_url=urls.absolute(next_url) if next_url else "",
    )


def article_meta(config: SiteConfig, urls: Urls, article: Article, crumbs: Sequence[Crumb]) -> Meta:
    tags: list[tuple[str, str]] = [
        ("article:published_time", article.date.isoformat()),
        ("article:modified_time", article.modified.isoformat()),
        *(("article:author", urls.absolute(a.url)) for a in article.authors),
        ("article:section", article.category.name),
        *(("article:tag", t.name) for t in article.tags),
    ]
    image = None
    if article.image:
        i = article.image
        image = (i.src, i.width, i.height, i.alt)
    return page_meta(
        config,
        urls,
        title=article.title,
        description=article.summary,
        url=article.url,
        og_type="article",
        image=image,
        noindex=article.noindex,
        article_tags=tags,
        json_ld=(news_article(config, urls, article), breadcrumb_list(urls, crumbs)),
    )


def news_article(config: SiteConfig, urls: Urls, article: Article) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.summary,
        "datePublished": article.date.isoformat(),
        "dateModified": article.modified.isoformat(),
        "author": [person(urls, a) for a in article.authors],
        "publisher": publisher(config, urls),
        "mainEntityOfPage": {"@type": "WebPage", "@id": urls.absolute(article.url)},
        "articleSection": article.category.name,
        "keywords": [t.name for t in article.tags],
        "wordCount": article.word_count,
        "inLanguage": config.language,
        "url": urls.absolute(article.url),
    }
    if article.image:
        image: dict[str, Any] = {"@type": "ImageObject", "url": urls.absolute(article.image.src)}
        if article.image.width and article.image.height:
            image.update(width=article.image.width, height=article.image.height)
        if article.image.caption:
            image["caption"] = article.image.caption
        data["image"] = [image]
    if article.corrections:
        data["correction"] = [
            {"@type": "CorrectionComment", "text": c.text, "datePublished": c.date.isoformat()}
            for c in article.corrections
        ]
    return data


def person(urls: Urls, author: Author) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@type": "Person",
        "name": author.name,
        "url": urls.absolute(author.url),
    }
    if author.role:
        data["jobTitle"] = author.role
    same_as = [link.url for link in author.links if link.url.startswith("https://")]
    if same_as:
        data["sameAs"] = same_as
    return data


def publisher(config: SiteConfig, urls: Urls) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@type": "NewsMediaOrganization",
        "name": config.title,
        "url": urls.absolute(urls.home()),
    }
    if config.logo:
        data["logo"] = {"@type": "ImageObject", "url": urls.absolute(urls.base_path + config.logo)}
    return data


def breadcrumb_list(urls: Urls, crumbs: Sequence[Crumb]) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": c.title, "item": urls.absolute(c.url)}
            for i, c in enumerate(crumbs, start=1)
        ],
    }


def website(config: SiteConfig, urls: Urls, search_url: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": config.title,
        "url": urls.absolute(urls.home()),
        "inLanguage": config.language,
        "publisher": publisher(config, urls),
    }
    if search_url:
        data["potentialAction"] = {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": urls.absolute(search_url) + "?q={search_term_string}",
            },
            "query-input": "required name=search_term_string",
        }
    return data


def profile_page(urls: Urls, author: Author) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "url": urls.absolute(author.url),
        "mainEntity": person(urls, author),
    }
