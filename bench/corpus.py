"""A deterministic synthetic news site: N articles over ~12 sections, ~40 authors with profiles,
a few hundred tags with a Zipf-like skew, dates over several years, varied Markdown bodies."""

from __future__ import annotations

import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

SECTIONS = ["Politics", "Diplomacy", "Economy", "Fact Check", "Tech", "Nature & Environment",
            "Health", "Culture", "Sport", "Science", "Education", "Opinion"]  # fmt: skip
WORDS = (
    "government minister parliament budget election vote coalition policy reform council city "
    "market inflation rates bank trade export growth jobs energy climate river coast storm "
    "hospital vaccine patients doctors school students teachers research data court ruling "
    "talks ceasefire envoy summit treaty border sanctions festival museum film stadium league "
    "season match report analysis sources officials residents workers farmers investors "
    "announced said warned expected according during despite although however meanwhile"
).split()
FIRST = ["Ana", "Ben", "Chen", "Dara", "Elif", "Femi", "Gita", "Hugo", "Ines", "Jon", "Kemal",
         "Lena", "Mika", "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tariq"]  # fmt: skip
LAST = ["Lane", "Ortiz", "Wu", "Novak", "Haddad", "Okafor", "Silva", "Berg", "Kaya", "Moreau"]
UNICODE = ["São Paulo", "Zürich", "Kraków", "Malmö", "Ñuñoa", "Århus", "Île-de-France", "Łódź"]


def slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def generate(root: Path, n: int, seed: int = 7) -> Path:
    """Write the corpus under root (replacing it) and return root."""
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    (root / "content" / "authors").mkdir(parents=True)
    (root / "content" / "pages").mkdir(parents=True)
    (root / "static" / "images").mkdir(parents=True)
    for i in range(8):
        (root / "static" / "images" / f"photo-{i}.svg").write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675" viewBox="0 0 1200 675">'
            f'<rect width="1200" height="675" fill="#{rng.randrange(0x1000000):06x}"/></svg>\n'
        )
    authors = []
    for i in range(40):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        author = f"{slug(name)}-{i}"
        authors.append(author)
        (root / "content" / "authors" / f"{author}.md").write_text(
            f"---\nname: {name}\nrole: Correspondent\n---\n{name} reports for the bench desk.\n"
        )
    (root / "content" / "pages" / "about.md").write_text(
        "---\ntitle: About\n---\nA benchmark site.\n"
    )
    tags = [f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{i}" for i in range(300)]
    weights = [1 / (k + 1) for k in range(len(tags))]
    start = datetime(2020, 1, 1, 6, 0)
    span = (datetime(2026, 6, 1) - start).total_seconds()
    paths: list[tuple[str, str]] = []
    for i in range(n):
        section = SECTIONS[int(rng.random() ** 1.3 * len(SECTIONS))]
        words = [rng.choice(WORDS) for _ in range(rng.randint(5, 10))]
        if i % 37 == 0:
            words.insert(2, rng.choice(UNICODE))
        title = " ".join(words).capitalize() + f" {i}"
        folder = slug(section)
        name = f"{slug(title)}.md"
        when = start + timedelta(seconds=int(rng.random() * span))
        article_tags = sorted(set(rng.choices(tags, weights, k=rng.randint(2, 5))))
        byline = (
            rng.choice(authors)
            if rng.random() > 0.05
            else f"[{rng.choice(authors)}, {rng.choice(authors)}]"
        )
        body = _body(rng, paths, folder)
        image = (
            f"image: /images/photo-{i % 8}.svg\nimage_alt: Illustration {i}\n"
            if rng.random() < 0.8
            else ""
        )
        featured = "featured: true\n" if rng.random() < 0.02 else ""
        text = (
            f'---\ntitle: "{title}"\ndate: {when.isoformat()}\nauthor: {byline}\ncategory: {section}\n'
            f"tags: [{', '.join(article_tags)}]\n{image}{featured}---\n{body}"
        )
        path = root / "content" / "articles" / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append((folder, name))
    sections = "\n".join(f'[[menu.main]]\nsection = "{slug(s)}"' for s in SECTIONS)
    (root / "sitegen.toml").write_text(
        f'title = "Bench Daily"\nbase_url = "https://bench.example/"\nper_page = 10\n\n'
        f"[feeds]\nitems = 20\n\n{sections}\n"
    )
    return root


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))


def _body(rng: random.Random, earlier: list[tuple[str, str]], folder: str) -> str:
    target = rng.randint(500, 1500)
    parts: list[str] = []
    count = 0
    while count < target:
        roll = rng.random()
        if roll < 0.08:
            block = f"## {_sentence(rng)[:-1]}"
        elif roll < 0.14:
            block = "\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(3, 5)))
        elif roll < 0.18:
            block = f'> "{_sentence(rng)}" said one official.'
        elif roll < 0.20:
            block = "| Item | 2024 | 2025 |\n|---|---:|---:|\n" + "\n".join(
                f"| {rng.choice(WORDS)} | {rng.randint(1, 99)} | {rng.randint(1, 99)} |"
                for _ in range(4)
            )
        elif roll < 0.22:
            block = f"![A photo of {rng.choice(WORDS)}](/images/photo-{rng.randrange(8)}.svg)"
        elif roll < 0.30 and earlier:
            other_folder, other = rng.choice(earlier)
            href = other if other_folder == folder else f"../{other_folder}/{other}"
            block = f"{_sentence(rng)} As [we reported earlier]({href}), {_sentence(rng).lower()}"
        else:
            block = _paragraph(rng)
        parts.append(block)
        count += len(block.split())
    return "\n\n".join(parts) + "\n"
