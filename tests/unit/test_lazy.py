"""sitegen.lazy.Lazy: made once on first use; pickled as its value, or pending without one."""

from __future__ import annotations

import pickle

import pytest

from sitegen.lazy import Lazy
from sitegen.model.entities import Body


def test_made_once_on_first_use() -> None:
    calls: list[int] = []
    lazy = Lazy(lambda: calls.append(1) or "text")
    assert calls == []
    assert lazy.get() == "text" and lazy.get() == "text"
    assert calls == [1]


def test_pickles_as_its_value() -> None:
    assert pickle.loads(pickle.dumps(Lazy(lambda: "made"))).get() == "made"
    assert pickle.loads(pickle.dumps(Lazy.of("known"))).get() == "known"


def test_a_pending_value_stays_pending_and_must_be_bound() -> None:
    pending = pickle.loads(pickle.dumps(Lazy()))
    assert pending.pending
    with pytest.raises(RuntimeError):
        pending.get()
    assert pending.bind(lambda: "fetched")
    assert pending.get() == "fetched"
    known = Lazy.of("known")
    assert not known.bind(lambda: "other") and known.get() == "known"


def test_a_body_resolves_its_links_when_read() -> None:
    raw = '<p><a href="/__sitegen_ref__/articles/b.md#x">B</a></p><!--split--><p>Tail</p>'
    split = raw.index("<!--split-->")
    fetched: list[int] = []
    body = Body(Lazy(lambda: fetched.append(1) or raw), split, {"articles/b.md": "/b/"})
    assert fetched == []
    assert body.html == '<p><a href="/b/#x">B</a></p><!--split--><p>Tail</p>'
    assert body.html[: body.split] == '<p><a href="/b/#x">B</a></p>'
    assert fetched == [1]
    assert Body(Lazy.of(raw), split, {}).html == raw  # nothing resolved: links left as written
