"""Helpers of the management commands: progress display for long ones (rich), one bar per named step, and
the moment a scheduled check runs as (`--now`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
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


def moment_option(value: str | None, *, option: str = "--now") -> datetime:
    """The moment a check runs as: now, or the ISO 8601 moment given (for tests and replays; a naive one is
    read in the installation's time zone). A moment that cannot be read is a CommandError naming it."""
    if not value:
        return timezone.now()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{option}: not an ISO 8601 moment: {value!r}") from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
