"""A story whose conversion runs away (Python-Markdown is quadratic on long paragraphs of links)
is stopped at the converter's limit with a clear error, and the converter keeps working."""

from __future__ import annotations

import threading
import time

import pytest

from sitegen.errors import ContentError
from sitegen.load.markup import Converter
from sitegen.load.time_limit import TimeLimitExceeded, within

LINKS = "[link](https://example.com/a) " * 1500  # 45 KB: several seconds, growing quadratically


def test_a_runaway_story_is_stopped_with_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    converter = Converter("sanitize", (), 3, max_seconds=0.3)
    # How long Python-Markdown takes on LINKS depends on the machine; a conversion that runs
    # for five seconds does not.
    monkeypatch.setattr(converter.md, "convert", lambda text: time.sleep(5) or "")
    started = time.monotonic()
    with pytest.raises(ContentError) as caught:
        converter.convert(LINKS, "articles/x/links.md")
    assert time.monotonic() - started < 3
    assert caught.value.path == "content/articles/x/links.md"
    assert "took more than 0.3 s to convert" in caught.value.message
    assert "split the long paragraphs" in caught.value.message
    assert "<em>fine</em>" in converter.convert("A *fine* story.\n", "articles/x/ok.md").html


def test_the_limit_leaves_quick_calls_and_the_alarm_alone() -> None:
    assert within(5, str.upper, "quick") == "QUICK"
    with pytest.raises(TimeLimitExceeded):
        within(0.05, time.sleep, 2)
    time.sleep(0.1)  # no alarm left pending to fire later


def test_outside_the_main_thread_the_call_runs_unlimited() -> None:
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(within(0.01, time.sleep, 0.1)))
    thread.start()
    thread.join(5)
    assert results == [None]
