"""The import's records, cleaned in batches: in this process for small files,
in worker processes for big ones.

Either way the import's main loop receives :data:`Batch` es in file order:
entries prepared for the merger (:func:`triage.dedupe.prepare`), the rows
that were rejected, and how many records carried each flag value.

For a big file the main process only reads lines and cuts them into chunks
of whole records (:mod:`triage.importers.chunks`); forked workers parse,
normalise and encode each chunk and send back compact tuples.  Whatever
happens in a worker comes back as a :class:`WorkerError` (or the parser's
FormatError) from the main loop's next batch: a worker that raises, or dies,
fails the import; it never hangs it.  Workers ignore SIGINT (Ctrl+C stops
the main process, which then stops them) and are always joined.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import multiprocessing
import signal
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from itertools import chain, islice
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from queue import SimpleQueue
from typing import Any

from triage.ingest.chunks import Chunk, Chunker, ChunkParser, Layout, check_cards, read_rest
from triage.ingest.formats import OpenedFile
from triage.ingest.formats.base import FormatError, Item
from triage.ingest.merge import Entry, prepare
from triage.ingest.normalize import Normalizer
from triage.model import Problem

# (entries, rejected rows, {flags value: records with it}), in file order.
Batch = tuple[list[Entry], list[Problem], dict[int, int]]
BATCH = 1000  # records per batch on the sequential path
_PIPE_BYTES = 1 << 20  # pipe buffers: a chunk or a reply passes in a few writes
_AHEAD = 2  # chunks queued per worker beyond the one it works on


class WorkerError(Exception):
    """A worker process failed or died (a one-line reason)."""


class Preparer:
    """Cleans records into a Batch; one per import file and process."""

    def __init__(self, region: str, sources: tuple[str, str], names: bool = True) -> None:
        self.normalize = Normalizer(region)
        self.before, self.after = sources  # store.encode_source_parts
        self.names = names  # see merge.prepare

    def __call__(self, items: Iterable[Item]) -> Batch:
        normalize, before, after, names = self.normalize, self.before, self.after, self.names
        entries: list[Entry] = []
        problems: list[Problem] = []
        flags: dict[int, int] = {}
        for item in items:
            if isinstance(item, Problem):
                problems.append(item)
            elif item.kind != "contact":
                problems.append(Problem(item.line, "not a contact record"))
            else:
                person = normalize(item)
                entries.append(prepare(person, f"{before}{person.line}{after}", names))
                flags[person.flags] = flags.get(person.flags, 0) + 1
        return entries, problems, flags


def sequential_batches(items: Iterable[Item], preparer: Preparer) -> Generator[Batch, None, None]:
    it = iter(items)
    while chunk := list(islice(it, BATCH)):
        yield preparer(chunk)


def parallel_batches(
    f: OpenedFile,
    preparer: Preparer,
    *,
    workers: int,
    chunk_chars: int,
    read: Callable[[int], None] | None = None,
) -> Generator[Batch, None, None]:
    """The batches of a big file, from ``workers`` processes (close the
    generator when not reading it to the end: that stops them).  ``read``
    hears how many characters of the file each batch came from."""
    assert f.codec is not None
    chunker = Chunker(f.path, f.codec, f.format, f.mapping, chunk_chars)
    f.close()
    try:
        with _Pool(workers, chunker.layout, preparer) as pool:
            pool.start()
            seen_card = False
            queued: deque[Chunk] = deque()  # sent, result not used yet
            sent = used = 0
            while True:
                while len(queued) < workers * (_AHEAD + 1):
                    chunk = chunker.next_chunk()
                    if chunk is None:
                        break
                    pool.submit(sent, chunk)
                    queued.append(chunk)
                    sent += 1
                if not queued:
                    break
                reply = pool.result(used)
                chunk = queued.popleft()
                used += 1
                if not reply.clean:
                    # Cut inside a record: read everything from here in order.
                    pool.stop()
                    lines = chain(chunk.lines(), *(c.lines() for c in queued), chunker.rest())
                    items = read_rest(chunker.layout, lines, chunk.first, seen_card=seen_card)
                    yield from sequential_batches(items, preparer)
                    return
                seen_card = seen_card or reply.seen_card
                if read is not None:
                    read(len(chunk.text))
                yield reply.batch
        if chunker.gave_up:  # no boundary for a long stretch: the rest in order
            items = read_rest(
                chunker.layout, chunker.rest(), chunker.rest_first, seen_card=seen_card
            )
            yield from sequential_batches(items, preparer)
        else:
            check_cards(chunker.layout, seen_card)
    finally:
        chunker.close()


@dataclass(slots=True)
class _Reply:
    batch: Batch
    clean: bool
    seen_card: bool


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    tasks: Connection
    results: Connection
    outstanding: int = 0


@dataclass(slots=True)
class _Pool:
    """Forked workers, each with its own task and result pipes.  Chunks go to
    the least busy worker; results are buffered until asked for in order."""

    size: int
    layout: Layout
    preparer: Preparer
    workers: list[_Worker] = field(default_factory=list)
    replies: dict[int, tuple[Any, ...]] = field(default_factory=dict)

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Fork the workers (inside the ``with``: whatever interrupts this
        still stops the ones already started)."""
        ctx = multiprocessing.get_context("fork")
        # Ctrl+C waits until every worker ignores it (a worker must not die
        # with a traceback); this process sees it right after.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(self.size):
                task_out, task_in = ctx.Pipe(duplex=False)
                result_out, result_in = ctx.Pipe(duplex=False)
                _widen(task_in)
                _widen(result_in)
                # The child closes its copies of this process's pipe ends (its
                # own and the other workers'), so that closing a task pipe
                # here reaches its worker as EOF.
                inherited = [task_in, result_out]
                inherited += [c for w in self.workers for c in (w.tasks, w.results)]
                process = ctx.Process(
                    target=_serve,
                    args=(task_out, result_in, self.layout, self.preparer, inherited),
                    name="triage-import",
                    daemon=True,
                )
                process.start()
                self.workers.append(_Worker(process, task_in, result_out))
                task_out.close()
                result_in.close()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def submit(self, index: int, chunk: Chunk) -> None:
        worker = min(self.workers, key=lambda w: w.outstanding)
        try:
            worker.tasks.send((index, chunk.first, chunk.count, chunk.text, chunk.last))
        except OSError:
            raise WorkerError(_death(worker)) from None
        worker.outstanding += 1

    def result(self, index: int) -> _Reply:
        while index not in self.replies:
            busy = [w for w in self.workers if w.outstanding]
            if not busy:  # cannot happen; never wait on nothing
                raise WorkerError(f"no worker process holds chunk {index}")
            ready = wait([w.results for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                if worker.results in ready:
                    try:
                        reply = worker.results.recv()
                    except (EOFError, OSError):
                        raise WorkerError(_death(worker)) from None
                    worker.outstanding -= 1
                    self.replies[reply[0]] = reply
                elif worker.process.sentinel in ready:
                    raise WorkerError(_death(worker))
        _, error, entries, problems, flags, clean, seen_card = self.replies.pop(index)
        if error is not None:
            kind, message = error
            if kind == "format":
                raise FormatError(message)
            raise WorkerError(message)
        return _Reply((entries, [Problem(*p) for p in problems], flags), clean, seen_card)

    def stop(self) -> None:
        """End every worker and reap it: idle ones see their task pipe close,
        busy ones (an early stop) are terminated."""
        for worker in self.workers:
            worker.tasks.close()
            if worker.outstanding and worker.process.is_alive():
                worker.process.terminate()
        for worker in self.workers:
            worker.process.join(5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.results.close()
        self.workers.clear()


def _widen(conn: Connection) -> None:
    # A smaller pipe only means the sender waits for the reader.
    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)


def _death(worker: _Worker) -> str:
    worker.process.join(1)
    code = worker.process.exitcode
    how = f"was killed by signal {-code}" if code is not None and code < 0 else "stopped"
    return f"a worker process {how} (exit code {code})"


def _serve(
    tasks: Connection,
    results: Connection,
    layout: Layout,
    preparer: Preparer,
    inherited: list[Connection],
) -> None:
    """A worker's life: chunks in, replies out, until its task pipe closes."""
    for conn in inherited:
        conn.close()
    with contextlib.suppress(ValueError):  # not the main thread: Ctrl+C isn't ours anyway
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    # What the fork inherited is never garbage, and cleaning records makes no
    # reference cycles: no automatic collections (~7 % of the work), only a
    # full one now and then in case some input does make a cycle.
    gc.freeze()
    gc.disable()
    queue: SimpleQueue[tuple[Any, ...] | None] = SimpleQueue()

    def receive() -> None:
        # A thread reads tasks as they come, so the main process never waits
        # on a send while this worker is busy or sending a result.
        try:
            while True:
                queue.put(tasks.recv())
        except (EOFError, OSError):
            pass
        finally:
            queue.put(None)

    threading.Thread(target=receive, daemon=True).start()
    parse: ChunkParser | None = None
    done = 0
    while (task := queue.get()) is not None:
        done += 1
        if done % 16 == 0:
            gc.collect()
        index, first, count, text, last = task
        try:
            if parse is None:
                parse = ChunkParser(layout)
            read = parse(Chunk(first, count, text, last))
            entries, problems, flags = preparer(read.items)
            reply: tuple[Any, ...] = (
                index,
                None,
                entries,
                [(p.line, p.reason) for p in problems],
                flags,
                read.clean,
                read.seen_card,
            )
        except FormatError as exc:
            reply = (index, ("format", str(exc)), None, None, None, False, False)
        except Exception as exc:  # reported to the main process
            message = " ".join(f"{type(exc).__name__}: {exc}".split())
            reply = (index, ("error", message), None, None, None, False, False)
        try:
            results.send(reply)
        except OSError:
            return  # the main process is gone
        except Exception as exc:  # a reply that cannot be sent: say why instead
            message = " ".join(f"cannot send a result: {type(exc).__name__}: {exc}".split())
            results.send((index, ("error", message), None, None, None, False, False))
