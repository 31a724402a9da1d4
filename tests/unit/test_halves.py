"""sitegen/output/halves.py: a computation split between this process and a forked child gives what
it gives in one piece, and runs in one piece whenever forking is not safe. The forking cases
run in a fresh interpreter: earlier tests of the suite (the preview server's) may leave
threads behind in this one, and a build forks only when it has no other thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from sitegen.output.halves import in_halves

ROOT = Path(__file__).resolve().parents[2]


def fresh(script: str) -> object:
    """What `script`, run in a new interpreter from the repository root, prints as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def _where(part: range) -> tuple[int, list[int]]:
    return os.getpid(), list(part)


def test_the_second_half_runs_in_a_child() -> None:
    result = fresh(
        "import json, os\n"
        "from sitegen.output.halves import in_halves\n"
        "parts = in_halves(lambda part: (os.getpid(), list(part)), 9, min_items=2)\n"
        "print(json.dumps([os.getpid(), parts]))\n"
    )
    assert isinstance(result, list)
    pid, [[first_pid, first], [second_pid, second]] = result
    assert first_pid == pid and second_pid != pid
    assert first + second == list(range(9))


def test_a_child_that_fails_has_its_half_done_here() -> None:
    result = fresh(
        "import json, os\n"
        "from sitegen.output.halves import in_halves\n"
        "parent = os.getpid()\n"
        "def work(part):\n"
        "    if os.getpid() != parent:\n"
        "        raise RuntimeError('the child fails')\n"
        "    return list(part)\n"
        "print(json.dumps(in_halves(work, 9, min_items=2)))\n"
    )
    assert result == [list(range(4)), list(range(4, 9))]


def test_small_work_or_another_thread_runs_in_one_piece() -> None:
    assert in_halves(_where, 9) == [(os.getpid(), list(range(9)))]
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert in_halves(_where, 9, min_items=2) == [(os.getpid(), list(range(9)))]
    finally:
        stop.set()
        other.join()


def test_related_lists_computed_in_two_processes_are_those_computed_in_one() -> None:
    """The build splits the related lists between itself and a forked child."""
    result = fresh(
        "import json\n"
        "from sitegen.load.config import RelatedConfig\n"
        "from sitegen.output.halves import in_halves\n"
        "from sitegen.model.related import related_articles\n"
        "from tests.unit.test_related import make_article\n"
        "sections, topics = ('politics', 'economy', 'tech'), [f'topic-{n}' for n in range(12)]\n"
        "articles = [make_article(f'story-{i}', i * 0.7, tags=(topics[i % 12],\n"
        "            topics[(i * 5) % 12]), category=sections[i % 3],\n"
        "            authors=(f'writer-{i % 4}',)) for i in range(300)]\n"
        "config = RelatedConfig(count=5, threshold=0, include_newer=True)\n"
        "parts = []\n"
        "def split(work, count):\n"
        "    done = in_halves(work, count, min_items=2)\n"
        "    parts.append(len(done))\n"
        "    return done\n"
        "def listed(found):\n"
        "    return [[s, [a.source for a in r]] for s, r in found.items()]\n"
        "whole = listed(related_articles(articles, config))\n"
        "halves = listed(related_articles(articles, config, split))\n"
        "print(json.dumps([parts, whole, halves]))\n"
    )
    assert isinstance(result, list)
    parts, whole, halves = result
    assert parts == [2]
    assert halves == whole
    assert any(len(found) == 5 for _, found in whole)
