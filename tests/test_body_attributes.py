"""What a build says about markup it removed from a body: attributes written with `{: ...}`
that could run a script or restyle the page, and embeds from hosts not in `embed_hosts`. The
writer hears about each, with its line, in articles, pages and author bios alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import AUTHOR, MakeSite, article, build_into
from tests.helpers import page

BODY = (
    "First paragraph.\n"  # line 7 of the file (six front-matter lines come first)
    "\n"
    "Second paragraph.\n"
    '{: autofocus onfocus="alert(1)" }\n'  # line 10
    "\n"
    "![A crowd](/images/crowd.svg){: onerror=alert(2) }\n"  # line 12
)
EMBED = '<iframe src="https://evil.example\\@www.youtube-nocookie.com/embed/x"></iframe>\n'


def messages(site: Path, output: Path) -> list[str]:
    return [str(w) for w in build_into(site, output).warnings]


@pytest.mark.parametrize("raw_html", ["escape", "sanitize", "allow"])
def test_removed_attributes_are_warned_about_with_their_line(
    make_site: MakeSite, tmp_path: Path, raw_html: str
) -> None:
    site = make_site(
        {
            "sitegen.toml": f'title = "G"\nbase_url = "https://g.example/"\nraw_html = "{raw_html}"\n'
            "[search]\nenabled = false\n",
            "content/authors/jane-doe.md": AUTHOR.replace(
                "Jane reports.", "Jane reports.\n{: onclick=alert(3) }"
            ),
            "content/articles/a.md": article("A story", body=BODY),
            "content/pages/about.md": "---\ntitle: About\n---\n# Us {: style=color:red }\n",
            "static/images/crowd.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
        }
    )
    found = messages(site, tmp_path / "out")
    expected = [
        "content/articles/a.md:10: removed the attribute `autofocus`",
        "content/articles/a.md:10: removed the attribute `onfocus`",
        "content/articles/a.md:12: removed the attribute `onerror`",
        "content/authors/jane-doe.md:6: removed the attribute `onclick`",
        "content/pages/about.md:4: removed the attribute `style`",
    ]
    for start in expected:
        assert any(m.startswith(start) for m in found), f"{start!r} not in {found}"
    story = page(tmp_path / "out", "/politics/a-story/")
    assert story.find(attrs={"onfocus": True}) is None
    assert story.find(attrs={"onerror": True}) is None


def test_a_refused_embed_names_its_host_and_the_setting(
    make_site: MakeSite, tmp_path: Path
) -> None:
    site = make_site(
        {
            "sitegen.toml": 'title = "G"\nbase_url = "https://g.example/"\n'
            "[search]\nenabled = false\n",
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/a.md": article("A story", body="Text.\n\n" + EMBED),
        }
    )
    found = messages(site, tmp_path / "out")
    assert any(
        m.startswith("content/articles/a.md:9: removed the embed from evil.example")
        and "`embed_hosts`" in m
        for m in found
    ), found
    story = page(tmp_path / "out", "/politics/a-story/")
    assert [f.get("src") for f in story.find_all("iframe")] in ([], [None])
