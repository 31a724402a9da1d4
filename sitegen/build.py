"""The pipeline, top to bottom: load -> model -> plan -> render -> write. The only module that
calls the stages in turn; `sitegen check` runs the same stages and skips the write."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from sitegen.assets import collect_static, static_info
from sitegen.config import SiteConfig, load_config
from sitegen.errors import BuildError, Reporter, SitegenError
from sitegen.links import check_body_links
from sitegen.markup import Converter, Markup
from sitegen.model.site import BuildOptions, build_site
from sitegen.model.urls import Urls
from sitegen.render.jobs import RenderJob
from sitegen.render.plan import find_path_clashes, plan_site
from sitegen.render.templates import (
    file_hashes,
    make_environment,
    render_template,
    theme_dirs,
    theme_static_dirs,
)
from sitegen.sources import SourceFile, read_all
from sitegen.write import Stage, check_output_folder

PARALLEL_THRESHOLD = 300
"""Below this many sources, starting worker processes costs more than it saves."""
MAX_TEMPLATE_ERRORS = 20


@dataclass(frozen=True)
class BuildRequest:
    root: Path
    output: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    options: BuildOptions = field(default_factory=BuildOptions)
    jobs: int = 0
    """Worker processes for Markdown; 0 means one per core."""


@dataclass(frozen=True)
class BuildResult:
    pages: int
    files: int
    bytes_written: int
    seconds: float
    output: Path
    timings: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Plan:
    """Everything decided before rendering: the validated site as a list of jobs."""

    config: SiteConfig
    output: Path
    jobs: tuple[RenderJob, ...]
    static: dict[str, Path]
    """Output path -> source file for static files."""
    env: jinja2.Environment


class _Clock:
    def __init__(self, progress: Callable[[str], None] | None) -> None:
        self.started = self.last = time.perf_counter()
        self.timings: list[tuple[str, float]] = []
        self.progress = progress

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings.append((stage, now - self.last))
        self.last = now
        if self.progress:
            self.progress(stage)


def build(
    request: BuildRequest, reporter: Reporter, progress: Callable[[str], None] | None = None
) -> BuildResult:
    clock = _Clock(progress)
    plan = plan_build(request, reporter, clock)
    with Stage(plan.output) as stage:
        for path, data in render_all(plan):
            stage.write(path, data)
        clock.lap("render")
        for rel, source in sorted(plan.static.items()):
            stage.copy(rel, source)
        stage.commit()
        clock.lap("write")
    return BuildResult(
        pages=len(plan.jobs),
        files=stage.files_written,
        bytes_written=stage.bytes_written,
        seconds=time.perf_counter() - clock.started,
        output=plan.output,
        timings=tuple(clock.timings),
    )


def check(request: BuildRequest, reporter: Reporter) -> int:
    """Every validation of a build, rendering included, without writing anything."""
    plan = plan_build(request, reporter, _Clock(None))
    return sum(1 for _ in render_all(plan))


def plan_build(request: BuildRequest, reporter: Reporter, clock: _Clock) -> Plan:
    root = request.root
    config = load_config(root, request.overrides)
    output = request.output or root / "output"
    check_output_folder(output, root)

    sources, errors = read_all(root / "content", root)
    static_dirs = [*reversed(theme_static_dirs(root, config.theme)), root / "static"]
    static_files, static_errors = collect_static(static_dirs, root)
    errors += static_errors
    clock.lap("read")

    markups = convert_all(sources, config, request.jobs)
    clock.lap("markdown")

    infos = {site_path: static_info(path) for site_path, path in static_files.items()}
    site, model_errors = build_site(sources, markups, config, request.options, infos, reporter)
    errors += model_errors
    if errors or site is None:
        raise BuildError(errors)
    clock.lap("model")

    urls = Urls(config.permalinks, config.base_url)
    jobs = plan_site(site, config, urls)
    static = {urls.output_path(urls.base_path + p): f for p, f in static_files.items()}
    clashes = find_path_clashes(jobs)
    planned = {j.path for j in jobs}
    clashes += [
        SitegenError(f"static{p}", None, "has the same path as a generated page; rename the file")
        for p in static
        if p in planned
    ]
    if clashes:
        raise BuildError(clashes)
    check_body_links(site, urls, planned | set(static), {s.rel: s for s in sources}, reporter)
    clock.lap("plan")

    template_dirs = theme_dirs(root, config.theme)
    env = make_environment(template_dirs, urls, file_hashes(theme_static_dirs(root, config.theme)))
    return Plan(config, output, tuple(jobs), static, env)


def render_all(plan: Plan) -> Iterator[tuple[str, bytes]]:
    """Rendered outputs in plan order; template errors are collected and raised together."""
    errors: list[SitegenError] = []
    seen: set[str] = set()
    for job in plan.jobs:
        try:
            text = render_template(plan.env, job.template, job.context)
        except SitegenError as exc:
            if str(exc) not in seen:
                seen.add(str(exc))
                errors.append(exc)
            if len(errors) >= MAX_TEMPLATE_ERRORS:
                break
            continue
        if not errors:
            yield job.path, text.encode("utf-8")
    if errors:
        raise BuildError(errors)


def convert_all(sources: Sequence[SourceFile], config: SiteConfig, jobs: int) -> dict[str, Markup]:
    """Markdown for every source, across worker processes when the site is large enough."""
    settings = (config.raw_html, config.embed_hosts, config.related.inline_after)
    work = [(s.rel, s.body) for s in sources]
    workers = jobs or os.cpu_count() or 1
    if workers == 1 or len(work) < PARALLEL_THRESHOLD:
        converter = Converter(*settings)
        return {rel: converter.convert(body, rel) for rel, body in work}
    chunk = max(1, len(work) // (workers * 8))
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=settings
    ) as pool:
        results = pool.map(_convert_in_worker, work, chunksize=chunk)
        return {rel: markup for (rel, _), markup in zip(work, results, strict=True)}


_worker: dict[str, Converter] = {}
"""The converter of a worker process (each process builds its own once)."""


def _init_worker(raw_html: Any, embed_hosts: tuple[str, ...], inline_after: int) -> None:
    _worker["converter"] = Converter(raw_html, embed_hosts, inline_after)


def _convert_in_worker(item: tuple[str, str]) -> Markup:
    rel, body = item
    return _worker["converter"].convert(body, rel)
