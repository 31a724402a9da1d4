"""Stage 4, render: each planned page rendered into the staged output unless its fingerprint
says the live output already has it (then that file is carried over), on every core when
there are many (render_workers.py); then the static files copied the same way."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import jinja2

from sitegen.errors import BuildError, SitegenError
from sitegen.incremental.cache import ShownArticles
from sitegen.incremental.stamps import static_fingerprint
from sitegen.output.write import WORK, Stage
from sitegen.pipeline.clock import Clock
from sitegen.pipeline.prepare import Plan
from sitegen.pipeline.render_workers import ForkedRenders, Rendered, fork_renders
from sitegen.render.jobs import RenderJob
from sitegen.render.templates import render_template

MAX_TEMPLATE_ERRORS = 20


@dataclass
class Written:
    """What rendering and copying left: every output's fingerprint, the articles each page
    shows, and the pages carried over from the live output unchanged."""

    fingerprints: dict[str, str] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    carried: list[str] = field(default_factory=list)


class PageWriter:
    """Writes the planned pages of `plan` into `stage`. `previous`: the live output's
    fingerprints; `kept`: its pages that the plan left out, since no edit reached them
    (pages.plan_pages); `shown`: told which articles each re-rendered page shows."""

    def __init__(
        self,
        plan: Plan,
        kept: list[str],
        stage: Stage,
        previous: Mapping[str, str],
        shown: ShownArticles | None,
    ) -> None:
        self.plan, self.stage, self.previous, self.shown = plan, stage, previous, shown
        self.written = Written(
            fingerprints={path: previous[path] for path in kept}, carried=[*kept]
        )
        self.todo = self._sort_out()
        """The pages to render: those the live output does not have as fingerprinted."""
        self.renderer = Renderer(plan)
        self._forked: ForkedRenders | None = None

    def _sort_out(self) -> list[RenderJob]:
        todo = []
        for job in self.plan.jobs:
            fingerprint = job.fingerprint(self.plan.global_digest)
            self.written.fingerprints[job.path] = fingerprint
            same = self.previous.get(job.path) == fingerprint
            if same and self.stage.previous_has(job.path):
                self.written.carried.append(job.path)
                continue
            if self.shown is not None and not same:
                self.shown.record(job)
            todo.append(job)
        return todo

    def fork(self, workers: int) -> None:
        """Share the pages out to child processes when there are many (render_workers.py).
        Before any other thread starts: a fork is not safe beside one."""
        prefix = WORK.format(name=self.plan.output.name) + "render-"
        parent = self.plan.output.parent
        self._forked = fork_renders(self.todo, workers, parent, prefix, self._render, self._warm)

    def finish(self, clock: Clock) -> Written:
        """Render (the rest of) the pages, then copy the static files."""
        errors = _Errors()
        try:
            self._render_own(errors, clock)
            if self._forked is not None:
                for record in self._forked.results(self._render):
                    self._take(record, errors)
        finally:
            self.stop()
        errors.raise_any()
        self.stage.carry(self.written.carried)
        clock.lap("render")
        self._copy_static()
        self.written.shown = self.shown.shown if self.shown is not None else {}
        return self.written

    def _warm(self) -> None:
        """Load every template the pages use, once here, not again in every child. One that
        does not load is reported when a page renders with it, as without children."""
        for name in sorted({job.template for job in self.todo}):
            with contextlib.suppress(jinja2.TemplateError):
                self.plan.env.get_template(name)

    def stop(self) -> None:
        """End the children still rendering, if any (a build that fails early)."""
        if self._forked is not None:
            self._forked.stop()
            self._forked = None

    def _render_own(self, errors: _Errors, clock: Clock) -> None:
        forked = self._forked
        own = forked.own() if forked is not None else range(len(self.todo))
        share = forked.workers if forked is not None else 1
        for done, index in enumerate(own, start=1):
            self._take(self._render(index), errors)
            if forked is None and errors.full:
                break  # one broken template need not fail every page
            if done % 200 == 0:
                clock.tick("render", done * share, len(self.todo))

    def _render(self, index: int) -> Rendered:
        job = self.todo[index]
        data = self.renderer.render(job)
        return index, data, self.renderer.failed if data is None else None

    def _take(self, record: Rendered, errors: _Errors) -> None:
        index, data, error = record
        if error is not None:
            errors.add(index, error)
        elif data is not None and not errors:
            job = self.todo[index]
            self.stage.write_unless_same(job.path, data, self.plan.output / job.path)

    def _copy_static(self) -> None:
        plan, stage, written = self.plan, self.stage, self.written
        for rel, source in sorted(plan.static.items()):
            fingerprint = static_fingerprint(source)  # stamps.py: not size and time alone
            written.fingerprints[rel] = fingerprint
            if self.shown is not None:
                self.shown.copy(rel)
            old = plan.output / rel
            if self.previous.get(rel) == fingerprint and old.is_file():
                stage.link_or_copy(rel, old)
            else:
                stage.copy(rel, source)


class _Errors:
    """Template errors by the index of the page that raised them: reported in page order,
    each once, at most MAX_TEMPLATE_ERRORS, whichever process rendered the pages."""

    def __init__(self) -> None:
        self._first: dict[str, tuple[int, SitegenError]] = {}
        """Each message, with the first page (lowest index) that raised it."""

    def add(self, index: int, error: SitegenError) -> None:
        known = self._first.get(str(error))
        if known is None or index < known[0]:
            self._first[str(error)] = (index, error)

    def __bool__(self) -> bool:
        return bool(self._first)

    @property
    def full(self) -> bool:
        return len(self._first) >= MAX_TEMPLATE_ERRORS

    def raise_any(self) -> None:
        if self._first:
            found = sorted(self._first.values(), key=lambda first: first[0])
            raise BuildError(error for _, error in found[:MAX_TEMPLATE_ERRORS])


def render_all(plan: Plan) -> Iterator[tuple[str, bytes]]:
    """Rendered outputs in plan order; template errors are collected and raised together."""
    renderer, errors = Renderer(plan), _Errors()
    for index, job in enumerate(plan.jobs):
        data = renderer.render(job)
        if data is None:
            assert renderer.failed is not None  # render() sets it whenever it returns None
            errors.add(index, renderer.failed)
            if errors.full:
                break
        elif not errors:
            yield job.path, data
    errors.raise_any()


class Renderer:
    """Renders jobs; a template error is kept as `failed`, for the caller to collect
    (_Errors: each once, at most MAX_TEMPLATE_ERRORS)."""

    def __init__(self, plan: Plan) -> None:
        self.env = plan.env
        self.failed: SitegenError | None = None
        """The error of the last page that failed."""

    def render(self, job: RenderJob) -> bytes | None:
        """The page's bytes, or None when its template failed (see `failed`)."""
        try:
            return render_template(self.env, job.template, job.context).encode("utf-8")
        except SitegenError as exc:
            self.failed = exc
            return None
