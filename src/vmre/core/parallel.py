"""Embarrassingly parallel work over chunks: all local cores, or a Dask distributed cluster.

The same function runs either way; only the executor changes (`--scheduler ADDR` selects
Dask's concurrent.futures executor). Results come back in input order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any


@contextmanager
def executor(scheduler: str | None = None, workers: int | None = None) -> Iterator[Executor]:
    if scheduler:
        from distributed import Client

        client = Client(scheduler)
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
    else:
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
            yield pool


def map_chunks(fn: Callable[..., Any], chunks: Iterable[tuple], scheduler: str | None = None,
               progress: Callable[[int], None] | None = None,
               workers: int | None = None) -> list[Any]:
    """fn(*chunk) for every chunk, in parallel; `progress(done)` after each completes."""
    chunks = list(chunks)
    if not chunks:
        return []
    if len(chunks) == 1 and not scheduler:  # no process start-up for small jobs
        results = [fn(*chunks[0])]
        if progress:
            progress(1)
        return results
    with executor(scheduler, workers) as ex:
        futures = [ex.submit(fn, *chunk) for chunk in chunks]
        results = []
        for done, future in enumerate(futures, start=1):
            results.append(future.result())
            if progress:
                progress(done)
        return results


def chunked(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]
