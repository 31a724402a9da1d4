"""Attributes a writer adds with attribute lists (`{: ...}`) and fenced-code options, held to the
body allow-list (html_policy.py) in every raw_html mode: whatever a writer asks of Markdown, it
never writes an event handler, an inline style or a script address. What it leaves out is
logged, for a warning with the line.

Raw HTML is not this module's business (`sanitize` cleans it, `escape` shows it as text, and
`allow` trusts it): attributes already on an element when attribute lists are applied, such as
those of a `<div markdown="1">`, are left as they are."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.treeprocessors import Treeprocessor

from sitegen.load.html_policy import attribute_refusal

ATTR_LIST_PRIORITY = 8
"""Where Python-Markdown runs attr_list among the tree processors; ours run either side."""
FENCED_CODE_PRIORITY = 25


class StrippedAttribute(NamedTuple):
    """An attribute left out of the body, and why."""

    tag: str
    name: str
    value: str
    reason: str


@dataclass
class AttributeLog:
    """What the filter left out of the body being converted; emptied for each body."""

    embed_hosts: frozenset[str]
    stripped: list[StrippedAttribute] = field(default_factory=list)
    before: dict[int, dict[str, str]] = field(default_factory=dict)
    """Each element's attributes (by id) before attribute lists were applied."""

    def refused(self, tag: str, name: str, value: str) -> bool:
        """Whether `tag` may not carry this attribute (logged when so)."""
        reason = attribute_refusal(tag, name, value, self.embed_hosts)
        if reason is not None:
            self.stripped.append(StrippedAttribute(tag, name, value, reason))
        return reason is not None


class _Before(Treeprocessor):
    def __init__(self, md: markdown.Markdown, log: AttributeLog) -> None:
        super().__init__(md)
        self.log = log

    def run(self, root: Element) -> None:
        self.log.before = {id(el): dict(el.attrib) for el in root.iter() if el.attrib}


class _After(_Before):
    def run(self, root: Element) -> None:
        log, before = self.log, self.log.before
        for el in root.iter():
            old = before.get(id(el), {})
            if el.attrib and el.attrib != old:
                self._filter(el, old)
        log.before = {}

    def _filter(self, el: Element, old: dict[str, str]) -> None:
        """Put back or remove what attribute lists added to `el` and the allow-list refuses."""
        for name, value in list(el.attrib.items()):
            if old.get(name) == value or not self.log.refused(
                el.tag, name, self._as_written(value)
            ):
                continue
            if name in old:
                el.set(name, old[name])  # Markdown's own value, such as a link's address
            else:
                del el.attrib[name]

    def _as_written(self, value: str) -> str:
        """`value` with Markdown's placeholders put back: a character reference such as
        `&#115;` is one until the end, and the browser reads it as the character."""
        if "\x02" not in value:
            return value
        stash = self.md.htmlStash.rawHtmlBlocks

        def put_back(match: re.Match[str]) -> str:
            number = int(match.group(2))
            if not match.group(1):
                return chr(number)  # a backslash escape
            raw = stash[number] if number < len(stash) else ""
            return raw if isinstance(raw, str) else ""

        return _PLACEHOLDER.sub(put_back, value)


_PLACEHOLDER = re.compile("\x02(wzxhzdk:)?([0-9]+)\x03")
"""Python-Markdown's stashed raw HTML and entities (wzxhzdk) and backslash escapes."""


class _FencedCode(FencedBlockPreprocessor):
    """Fenced code whose `{ key=value }` options become attributes of `<code>` only when the
    allow-list takes them."""

    def __init__(self, md: markdown.Markdown, config: dict[str, Any], log: AttributeLog) -> None:
        super().__init__(md, config)
        self.log = log

    def handle_attrs(
        self, attrs: Iterable[tuple[str, str]]
    ) -> tuple[str, list[str], dict[str, Any]]:
        ident, classes, options = super().handle_attrs(attrs)
        kept = {}
        for key, value in options.items():
            if not self.log.refused("code", key, str(value)):
                kept[key] = value
        return ident, classes, kept


class AttributeFilter(Extension):
    """Holds attribute lists and fenced-code options to the allow-list; list it after
    attr_list and fenced_code."""

    def __init__(self, embed_hosts: frozenset[str]) -> None:
        super().__init__()
        self.log = AttributeLog(embed_hosts)

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.registerExtension(self)  # so that md.reset() calls self.reset()
        md.treeprocessors.register(
            _Before(md, self.log), "sitegen_before_attr_list", ATTR_LIST_PRIORITY + 0.5
        )
        md.treeprocessors.register(
            _After(md, self.log), "sitegen_after_attr_list", ATTR_LIST_PRIORITY - 0.5
        )
        fenced = md.preprocessors["fenced_code_block"]
        config: dict[str, Any] = getattr(fenced, "config", {})  # the fenced_code settings
        md.preprocessors.register(
            _FencedCode(md, config, self.log), "fenced_code_block", FENCED_CODE_PRIORITY
        )

    def reset(self) -> None:
        self.log.stripped = []
        self.log.before = {}
