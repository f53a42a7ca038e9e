"""Embarrassingly parallel work over chunks: all local cores, or a Dask distributed cluster.

The same function runs either way; only the executor changes (`--scheduler ADDR` selects
Dask's concurrent.futures executor). Results come back in input order.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from itertools import chain
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
    """fn(*chunk) for every chunk, in parallel; `progress(done)` after each completes.

    Chunks may come from a generator: at most a few per worker are in flight at once, so a
    large job never holds all its input in memory."""
    iterator = iter(chunks)
    first = next(iterator, None)
    if first is None:
        return []
    second = next(iterator, None)
    if second is None and not scheduler:  # no process start-up for small jobs
        results = [fn(*first)]
        if progress:
            progress(1)
        return results
    with executor(scheduler, workers) as ex:
        window = 2 * (workers or os.cpu_count() or 1) + 2
        pending: deque = deque()
        results = []
        for chunk in chain((first, second), iterator):
            if chunk is None:
                continue
            pending.append(ex.submit(fn, *chunk))
            if len(pending) >= window:
                results.append(pending.popleft().result())
                if progress:
                    progress(len(results))
        while pending:
            results.append(pending.popleft().result())
            if progress:
                progress(len(results))
        return results


def chunked_iter(items: Iterable, size: int) -> Iterator[list]:
    """Successive lists of `size` items (the last may be shorter), lazily."""
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def chunked(items: Iterable, size: int) -> list[list]:
    return list(chunked_iter(items, size))
