"""Progress display for long management commands (rich), one bar per named step."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

Step = Callable[[str, int, int], None]


@contextmanager
def progress_steps(*, disable: bool = False) -> Iterator[Step]:
    """Yield `step(stage, done, total)`: each stage gets its own bar on stderr (total 0: not known yet).
    Nothing is drawn when `disable` is set or stderr is not a terminal."""
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=disable or not console.is_terminal,
    ) as progress:
        tasks: dict[str, Any] = {}

        def step(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total or None)
            progress.update(tasks[stage], completed=done, total=total or None)

        yield step
