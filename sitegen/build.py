"""The pipeline, top to bottom: load -> model -> plan and render -> write. The only module that
calls the stages in turn."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen.assets import collect_static, static_info
from sitegen.config import SiteConfig, load_config
from sitegen.errors import BuildError, Reporter, SitegenError
from sitegen.markup import Converter, Markup
from sitegen.model.site import BuildOptions, build_site
from sitegen.model.urls import Urls
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


def build(
    request: BuildRequest, reporter: Reporter, progress: Callable[[str], None] | None = None
) -> BuildResult:
    started = time.perf_counter()
    timings: list[tuple[str, float]] = []

    def lap(stage: str, since: float) -> float:
        now = time.perf_counter()
        timings.append((stage, now - since))
        if progress:
            progress(stage)
        return now

    root = request.root
    config = load_config(root, request.overrides)
    output = request.output or root / "output"
    check_output_folder(output, root)
    t = time.perf_counter()

    sources, errors = read_all(root / "content", root)
    static_dirs = [*reversed(theme_static_dirs(root, config.theme)), root / "static"]
    static_files, static_errors = collect_static(static_dirs, root)
    errors += static_errors
    t = lap("read", t)

    markups = convert_all(sources, config, request.jobs)
    t = lap("markdown", t)

    sizes = {site_path: static_info(path) for site_path, path in static_files.items()}
    site, model_errors = build_site(sources, markups, config, request.options, sizes, reporter)
    errors += model_errors
    if errors or site is None:
        raise BuildError(errors)
    t = lap("model", t)

    urls = Urls(config.permalinks, config.base_url)
    jobs = plan_site(site, config, urls)
    static_outputs = {urls.output_path(urls.base_path + p): f for p, f in static_files.items()}
    clashes = find_path_clashes(jobs)
    clashes += [
        SitegenError(
            f"static{p}", None, "has the same output path as a generated page; rename the file"
        )
        for p in static_outputs
        if p in {j.path for j in jobs}
    ]
    if clashes:
        raise BuildError(clashes)
    t = lap("plan", t)

    env = make_environment(
        theme_dirs(root, config.theme), urls, file_hashes(theme_static_dirs(root, config.theme))
    )
    template_errors: list[SitegenError] = []
    with Stage(output) as stage:
        for job in jobs:
            try:
                html = render_template(env, job.template, job.context)
            except SitegenError as exc:
                if not any(str(e) == str(exc) for e in template_errors):
                    template_errors.append(exc)
                if len(template_errors) >= 20:
                    break
                continue
            stage.write(job.path, html.encode("utf-8"))
        if template_errors:
            raise BuildError(template_errors)
        t = lap("render", t)
        for rel, path in sorted(static_outputs.items()):
            stage.copy(rel, path)
        stage.commit()
        lap("write", t)
    return BuildResult(
        pages=len(jobs),
        files=stage.files_written,
        bytes_written=stage.bytes_written,
        seconds=time.perf_counter() - started,
        output=output,
        timings=tuple(timings),
    )


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
