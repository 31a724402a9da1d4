"""`python -m bench`: sitegen against Hugo on the same synthetic news site.

For each size it times a cold build (no cache, empty output), the first body edit right after
it, a no-change rebuild, and rebuilds after editing one article's body, one article's title, and
adding one article, then a CI run (a fresh checkout with the cache restored, no output, one
story edited); each the median of --runs runs, with pages per second and the peak RSS of the whole process tree. The cold build
and the body edit run again, alternating with those, on a twin with search off, to show what
search adds. Hugo builds the equivalent site in the same run, each binary given with --hugo
(or the `hugo` on PATH), and the table shows every figure's ratio to each Hugo's cold build.
--tree times another checkout's sitegen, so two commits compare in one session."""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import shutil
import statistics
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.corpus import generate
from bench.hugo import hugo_binary, hugo_site
from bench.measure import Run, run
from bench.serve import bench_serve

HERE = Path(__file__).resolve().parent
CORPORA = HERE / "corpus"
RESULTS = HERE / "results"


@dataclass(frozen=True)
class Row:
    size: int
    tool: str
    scenario: str
    seconds: float
    pages: int
    pages_per_second: float
    peak_rss_mb: float
    search_seconds: float = 0.0
    """Of which indexing search (sitegen's -v stage timing; median)."""


TREE: Path | None = None
"""The sitegen source tree to time (--tree); None: the sitegen this Python imports."""


def _sitegen(site: Path, *extra: str, ci: bool = False) -> Run:
    """A build as a writer's machine runs it, or with `ci` as a CI service does (CI=true:
    the build keeps a copy of its output in the cache for the next CI run)."""
    command = [sys.executable, "-m", "sitegen", "build", "-s", str(site), "-v", *extra]
    env = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": "true"} if ci else {})
    if TREE is not None:  # that tree's package first, whatever is installed
        env["PYTHONPATH"] = str(TREE)
    result = run(command, cwd=TREE, env=env)
    if result.returncode != 0:
        raise SystemExit(f"sitegen failed:\n{result.output[-3000:]}")
    return result


def _search_seconds(result: Run) -> float:
    found = re.search(r"^\s+search\s+([\d.]+) s$", result.output, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def _pages(output: Path) -> int:
    return sum(1 for _ in output.rglob("*.html")) + sum(1 for _ in output.rglob("*.xml"))


def _edit_body(site: Path, step: int) -> None:
    paths = sorted((site / "content" / "articles").rglob("*.md"))
    path = paths[step * 7919 % len(paths)]
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\nAn added paragraph, edit number {step}, for the benchmark.\n")


def _edit_title(site: Path, step: int) -> None:
    paths = sorted((site / "content" / "articles").rglob("*.md"))
    path = paths[step * 104729 % len(paths)]
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    lines[1] = f'title: "Benchmark retitled story {step}"'
    path.write_text("\n".join(lines), encoding="utf-8")


def _add_article(site: Path, step: int) -> None:
    path = site / "content" / "articles" / "politics" / f"bench-added-{step}.md"
    path.write_text(
        f'---\ntitle: "Added story {step}"\ndate: 2026-05-31T12:00:00\nauthor: ana-lane-0\n'
        f"category: Politics\ntags: [bench, added]\n---\nOne paragraph.\n\nAnother paragraph.\n",
        encoding="utf-8",
    )


def _row(
    size: int, tool: str, scenario: str, results: list[Run], pages: int, search: float = 0.0
) -> Row:
    """The median of `results` as a table row, printed as soon as it is known."""
    seconds = statistics.median(r.seconds for r in results)
    peak = max(r.peak_rss_mb for r in results)
    note = f"  (search {search:.2f} s)" if tool == "sitegen" else ""
    print(f"  {tool:<18} {scenario:<12} {seconds:8.2f} s  {peak:7.0f} MB{note}", flush=True)
    return Row(size, tool, scenario, seconds, pages, pages / seconds, peak, search)


TRASH = CORPORA / ".trash"


def _discard(*paths: Path) -> None:
    """Move what a timed run must not find out of the way; `_empty_trash` deletes it once all
    runs are done. Deleting it here would slow the next build: ext4 without a journal (this
    machine's disk) skips inodes freed in the last ~30 s each time it allocates one, and a
    10k cold build that followed the deletion of the last one's 60,000 files took ~10 s longer
    (83.0 s against 73.5 s, two runs each; Hugo's builds are slowed the same way)."""
    for path in paths:
        if path.exists():
            TRASH.mkdir(parents=True, exist_ok=True)
            path.rename(TRASH / f"{len(list(TRASH.iterdir()))}-{path.name}")


def _empty_trash() -> None:
    shutil.rmtree(TRASH, ignore_errors=True)


BODY_STEPS = 200
FIRST_EDIT_STEP = 150
CI_STEP = 500
"""First step number of the body edits (which articles they pick): the same with search off."""


def bench_sitegen(site: Path, size: int, runs: int, twin: Path | None = None) -> list[Row]:
    """The scenarios on `site`; with `twin` (the same corpus, search off: `search_off_twin`),
    its cold builds and body edits alternate with the site's, so that what search adds is not
    confused with the machine's speed drifting over the minutes between them."""
    output = site / "output"
    rows = []

    def record(scenario: str, results: list[Run]) -> None:
        search = statistics.median(_search_seconds(r) for r in results)
        rows.append(_row(size, "sitegen", scenario, results, _pages(output), search))

    cold, cold_off = _cold(site, runs, twin)
    record("cold", cold)
    # Right after a cold build (which leaves no spare output folder to recycle).
    _edit_body(site, FIRST_EDIT_STEP)
    record("first edit", [_sitegen(site)])
    scenarios: list[tuple[str, Callable[[Path, int], None] | None, int]] = [
        ("no change", None, 0), ("edit body", _edit_body, BODY_STEPS),
        ("edit title", _edit_title, 300), ("add article", _add_article, 400),
    ]  # fmt: skip
    body_off: list[Run] = []
    for name, edit, first in scenarios:
        results: list[Run] = []
        builds = [(site, results)]
        if twin is not None and name == "edit body":
            builds.append((twin, body_off))  # the same article edited as the site's
        for step in range(first, first + runs):
            if not edit:
                _sitegen(site)  # settle: racy timestamps from the last edit are re-hashed here
                results.append(_sitegen(site))
                continue
            for folder, into in _in_turn(builds, step):
                edit(folder, step)
                into.append(_sitegen(folder))
        record(name, results)
    record("ci restored", _ci_restored(site, size, runs))
    if twin is not None:
        pages = _pages(twin / "output")
        rows += [
            _row(size, "sitegen, no search", scenario, results, pages)
            for scenario, results in (("cold", cold_off), ("edit body", body_off))
        ]
    return rows


def _ci_restored(site: Path, size: int, runs: int) -> list[Run]:
    """A CI run: a fresh checkout (new files, new times) with `.sitegen-cache/` restored from
    the last CI build and no output folder, one story edited, then a build. The last CI build
    (not timed) is one more edit of the site, built as CI builds."""
    _edit_body(site, CI_STEP - 1)
    _sitegen(site, ci=True)
    results = []
    for step in range(CI_STEP, CI_STEP + runs):
        checkout = CORPORA / f"ci-n{size}"
        _discard(checkout)
        checkout.mkdir(parents=True)
        for name in ("content", "static", "sitegen.toml", ".sitegen-cache"):
            source = site / name
            if source.is_dir():
                shutil.copytree(source, checkout / name)
            elif source.is_file():
                shutil.copy2(source, checkout / name)
        _edit_body(checkout, step)
        results.append(_sitegen(checkout, ci=True))
        _discard(checkout)
    return results


def search_off_twin(size: int) -> Path:
    """A twin of the size's corpus with search off, to show what search costs a build, which
    the `search` column (the wait after rendering) does not: Pagefind runs while pages render
    and competes with the build for the cores. Generated afresh, so its body edits pick the
    same articles as the site's."""
    _discard(CORPORA / f"n{size}-nosearch")
    twin = generate(CORPORA / f"n{size}-nosearch", size)
    config = (twin / "sitegen.toml").read_text(encoding="utf-8")
    if "[search]" in config:
        raise SystemExit("the corpus's sitegen.toml has a [search] table: turn it off there")
    (twin / "sitegen.toml").write_text(config + "\n[search]\nenabled = false\n", "utf-8")
    return twin


def _cold(site: Path, runs: int, twin: Path | None) -> tuple[list[Run], list[Run]]:
    """Cold builds (no cache, no output) of the site and, alternating with them, of `twin`: one
    fewer than the other scenarios, as they are long."""
    results: list[Run] = []
    off: list[Run] = []
    builds = [(site, results)] + ([(twin, off)] if twin is not None else [])
    for number in range(max(1, runs - 1)):
        for folder, into in _in_turn(builds, number):
            _discard(folder / "output", folder / ".sitegen-cache")
            into.append(_sitegen(folder))
    return results, off


def _in_turn(builds: list[tuple[Path, list[Run]]], number: int) -> list[tuple[Path, list[Run]]]:
    """The site's build and its twin's (when there is one), the twin first every other round:
    neither copy always builds right after the other's disk traffic."""
    return builds[::-1] if number % 2 else builds


def search_cost(rows: list[Row]) -> str:
    """What search adds to the cold build and to the body edit, per size."""
    by = {(r.size, r.tool, r.scenario): r.seconds for r in rows}
    lines = []
    for size in sorted({r.size for r in rows}):
        parts = []
        for scenario in ("cold", "edit body"):
            on, off = (
                by.get((size, "sitegen", scenario)),
                by.get((size, "sitegen, no search", scenario)),
            )
            if on is not None and off is not None:
                parts.append(f"{scenario} {on - off:+.2f} s ({(on - off) / off:+.0%})")
        if parts:
            lines.append(f"{size:>7,} search adds: " + ", ".join(parts))
    return "\n".join(lines)


def bench_hugo(site: Path, size: int, runs: int, binaries: list[tuple[str, str]]) -> list[Row]:
    """Cold builds of the site's Hugo twin by each of `binaries` ((path, label), hugo_binary),
    the binaries taking turns run by run, so that none is always the one after the other's
    disk traffic, and the machine's drift is shared."""
    if not binaries:
        print("  hugo: none installed (apt-get install -y hugo, or --hugo PATH): sitegen alone")
        return []
    _discard(CORPORA / f"hugo-n{size}")
    twin = hugo_site(site, CORPORA / f"hugo-n{size}")
    output = twin / "public"
    results: dict[str, list[Run]] = {label: [] for _, label in binaries}
    pages: dict[str, int] = {}
    for number in range(max(1, runs - 1)):
        for binary, label in binaries if number % 2 == 0 else binaries[::-1]:
            _discard(output, twin / "resources")
            result = run([binary, "--quiet", "-s", str(twin), "-d", str(output)])
            if result.returncode != 0:
                raise SystemExit(f"{label} ({binary}) failed:\n{result.output[-3000:]}")
            if result.output.strip():  # --quiet leaves only warnings and errors
                print(f"  {label} said:\n{result.output[-3000:]}", flush=True)
            results[label].append(result)
            pages[label] = _pages(output)
    return [_row(size, label, "cold", results[label], pages[label]) for _, label in binaries]


def hugo_binaries(commands: list[str] | None) -> list[tuple[str, str]]:
    """(path, label) of each Hugo to time: those given, else the `hugo` on PATH if any."""
    if not commands:
        return [hugo_binary("hugo")] if shutil.which("hugo") else []
    found = [hugo_binary(command) for command in commands]
    labels = [label for _, label in found]
    if len(set(labels)) < len(labels):
        raise SystemExit(f"two --hugo binaries are the same version: {', '.join(labels)}")
    return found


def table(rows: list[Row]) -> str:
    """The rows, with each figure's ratio to the cold build of every Hugo in the table (of the
    same size): one column per Hugo version."""
    hugos = list(dict.fromkeys(r.tool for r in rows if r.tool.startswith("hugo")))
    heads = [f"vs {tool.removeprefix('hugo ')}" for tool in hugos]
    widths = [max(8, len(head)) for head in heads]
    lines = [
        f"{'N':>7} {'tool':<18} {'scenario':<12} {'seconds':>9} {'search':>7} {'pages':>8} {'pages/s':>9} {'peak MB':>8}"
        + "".join(f" {head:>{width}}" for head, width in zip(heads, widths, strict=True))
    ]
    cold = {(r.size, r.tool): r.seconds for r in rows if r.tool in hugos}
    for r in rows:
        ratios = "".join(
            f" {_ratio(r, tool, cold.get((r.size, tool))):>{width}}"
            for tool, width in zip(hugos, widths, strict=True)
        )
        line = f"{r.size:>7,} {r.tool:<18} {r.scenario:<12} {r.seconds:>9.2f}"
        if r.tool == "sitegen serve":  # a wait, not a build: no pages, memory or search share
            lines.append(line)
            continue
        search = f"{r.search_seconds:.2f}" if r.tool == "sitegen" else ""
        lines.append(
            f"{line} {search:>7} {r.pages:>8,} {r.pages_per_second:>9,.0f} {r.peak_rss_mb:>8.0f}"
            + ratios
        )
    return "\n".join(lines)


def _ratio(row: Row, hugo: str, hugo_cold: float | None) -> str:
    """`row`'s seconds over the cold build of `hugo`; blank without one, and for that build."""
    if hugo_cold is None or row.tool == hugo:
        return ""
    return f"{row.seconds / hugo_cold:.2f}x"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    parser.add_argument("--large", action="store_true", help="also 50,000 articles")
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario (median)")
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument(
        "--hugo",
        action="append",
        metavar="PATH",
        help="a Hugo binary to time, labelled by its `hugo version` (repeatable; "
        "default: the `hugo` on PATH)",
    )
    parser.add_argument(
        "--tree",
        type=Path,
        help="time the sitegen of this source tree (a checkout of another commit, to compare "
        "two in one run) instead of the installed one",
    )
    parser.add_argument(
        "--serve", action="store_true", help="also time `sitegen serve`: save to new text served"
    )
    parser.add_argument(
        "--no-search-cost",
        action="store_true",
        help="skip the cold build and body edit with search off (what search adds)",
    )
    args = parser.parse_args(argv)
    global TREE
    TREE = args.tree.resolve() if args.tree else None
    if args.no_hugo and args.hugo:
        parser.error("--hugo and --no-hugo contradict each other")
    # Found before the long runs: a wrong --hugo fails at once.
    hugos = [] if args.no_hugo else hugo_binaries(args.hugo)
    sizes = [int(s) for s in args.sizes.split(",") if s] + ([50_000] if args.large else [])
    # sitegen as an installed user runs it: compiled once. Where PYTHONDONTWRITEBYTECODE is set
    # (some CI images) every build would compile its modules again, ~0.05 s each time.
    import sitegen

    compileall.compile_dir(TREE / "sitegen" if TREE else Path(sitegen.__file__).parent, quiet=1)
    _empty_trash()  # what an interrupted run left
    rows: list[Row] = []
    for size in sizes:
        print(f"N = {size:,}: generating the corpus", flush=True)
        _discard(CORPORA / f"n{size}")
        site = generate(CORPORA / f"n{size}", size)
        twin = None if args.no_search_cost else search_off_twin(size)
        try:
            rows += bench_sitegen(site, size, args.runs, twin)
        finally:
            if twin is not None:
                _discard(twin)
        if args.serve:
            waits = bench_serve(site, args.runs)
            middle = sorted(waits)[len(waits) // 2]
            rows.append(Row(size, "sitegen serve", "save->served", middle, 1, 1 / middle, 0))
            print(
                f"  {'sitegen serve':<18} {'save->served':<12} {middle:8.2f} s  (runs: {waits})",
                flush=True,
            )
        if not args.no_hugo:
            rows += bench_hugo(site, size, args.runs, hugos)
    _empty_trash()
    print()
    print(table(rows))
    cost = search_cost(rows)
    if cost:
        print(cost)
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / "results.json"
    target.write_text(json.dumps([asdict(r) for r in rows], indent=2))
    print(f"\nJSON: {target}")


if __name__ == "__main__":
    main()
