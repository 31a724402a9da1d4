"""The command line. The only place that turns our errors into messages and exit codes.

The commands live in modules of their own (build_command.py, check_command.py, new_command.py,
serve_command.py); this one gathers them into `sitegen` and runs it as a process."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from sitegen import __version__
from sitegen.cli.build_command import build
from sitegen.cli.check_command import check_command
from sitegen.cli.new_command import init, new
from sitegen.cli.serve_command import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitegen")
def main() -> None:
    """sitegen: build a news website from Markdown articles."""


for _command in (build, new, init, check_command, serve):
    main.add_command(_command)


def run() -> NoReturn:  # pragma: no cover - the console entry and `python -m sitegen`
    """Run the command in a process that ends with it, without tearing the interpreter down
    (pipeline/process.py)."""
    from sitegen.pipeline.process import BuildProcess

    process = BuildProcess(ends_after_build=True)
    code: int
    try:
        main(prog_name="sitegen", obj=process)
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    process.end(code)


if __name__ == "__main__":  # pragma: no cover
    run()
