"""Where a sweep's points run: a local process pool or a Dask cluster.

Each executor calls ``task(point)`` (a picklable module-level function) for every point and yields
the results as they finish; stopping the iteration early (an error, a signal) stops the workers.
Workers ignore SIGINT / SIGTERM and leave when the sweep process is gone, so the sweep process
alone decides what an interruption means.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Iterator

from accelsim.errors import SpecError


def _watch_parent(pid: int) -> None:
    """Pool initializer: leave when the sweep process is gone, so kill -9 leaves no orphans.

    Workers ignore SIGINT and SIGTERM: a terminal's Ctrl-C or a scheduler's signal reaches the
    whole process group, and the sweep process alone decides what happens (it stops the workers,
    keeps every finished point and says how to resume); a worker dying of the signal first would
    only print a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def watch():
        while True:
            time.sleep(0.25)
            if not _alive(pid):
                os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


def _alive(pid: int) -> bool:
    """Is ``pid`` running? A zombie (exited, not yet reaped by its parent, e.g. a test harness
    still reading its pipes) counts as gone: workers outliving it would hold those pipes open."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except FileNotFoundError:
        return False
    except OSError:                   # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True


def local_pool(task: Callable, todo: list, workers: int) -> Iterator:
    """``task(point)`` for every point in ``workers`` processes, results as they finish."""
    # forkserver: workers fork from a clean process that has imported accelsim once, which is
    # safe when the caller has threads (a notebook kernel, a Dask client) and cheap to start.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["accelsim.sweep.run"])   # where the sweep's task lives
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_watch_parent,
                               initargs=(os.getpid(),))
    finished = False
    try:
        futures = [pool.submit(task, p) for p in todo]
        for fut in as_completed(futures):
            yield fut.result()
        finished = True
    finally:
        if not finished:
            # Stopped early (an error, a signal): points in flight are abandoned, so stop their
            # workers now rather than let shutdown wait for them (or hang on a full call queue).
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.kill()
        pool.shutdown(wait=True, cancel_futures=True)


SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "inproc")
CONNECT_SECONDS = 20.0       # a scheduler answers its handshake in well under a second


def connect(address: str, seconds: float = CONNECT_SECONDS):
    """A Dask Client for ``address``, or a one-line SpecError within ``seconds``.

    The handshake runs in a daemon thread with a hard deadline: an address that accepts a TCP
    connection but never speaks Dask (a stuck process, an HTTP server, whose reply Dask would read
    as a gigantic frame length) must not hang the sweep or end in a traceback."""
    scheme = address.split("://", 1)[0] if "://" in address else "tcp"
    if scheme not in SCHEDULER_SCHEMES or not address.strip():
        raise SpecError("--scheduler", "", "a Dask scheduler address (tcp://host:8786, or "
                        + ", ".join(f"{s}://" for s in SCHEDULER_SCHEMES[1:]) + ")", address)
    box: dict = {}

    def handshake():
        try:
            from distributed import Client
            box["client"] = Client(address, timeout=f"{seconds}s")
        except BaseException as exc:        # anything at all: reported below as one line
            box["error"] = exc

    thread = threading.Thread(target=handshake, daemon=True, name="accelsim-connect")
    thread.start()
    thread.join(seconds + 2.0)
    if "client" in box:
        return box["client"]
    why = ("no Dask handshake within " + f"{seconds:g} s" if thread.is_alive() else
           " ".join(str(box["error"]).split())[:160] or box["error"].__class__.__name__)
    raise SpecError("--scheduler", "", message=f"cannot use a Dask scheduler at {address}: {why}")


def dask(task: Callable, todo: list, address: str) -> Iterator:
    """``task(point)`` for every point on the Dask cluster at ``address``, results as they finish."""
    from distributed import as_completed as dask_completed
    client = connect(address)
    futures = []
    try:
        futures = client.map(task, todo, key=[f"accelsim-point-{p.id}" for p in todo], pure=False)
        for fut in dask_completed(futures):
            try:
                outcome = fut.result()
            except (OSError, TimeoutError, asyncio.CancelledError, concurrent.futures.CancelledError) as exc:
                # The scheduler (or every worker) went away: points already written stay. A real
                # scheduler's loss reaches us as distributed's FutureCancelledError, a
                # concurrent.futures.CancelledError ("scheduler-connection-lost").
                raise SpecError("--scheduler", "", message=f"lost the Dask scheduler at {address} "
                                f"({exc.__class__.__name__}); run the sweep again to compute the "
                                "remaining points") from None
            yield outcome
    finally:
        with contextlib.suppress(Exception):
            client.cancel(futures)
            client.close(timeout=5)
