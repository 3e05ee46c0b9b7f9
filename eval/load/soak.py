"""A bounded loopback soak: the API driven at fixed concurrency for N seconds with a mixed load.

Usage::

    python -m eval.load.soak [--seconds 120] [--max-requests 20000] [--concurrency 8]
                           [--url http://127.0.0.1:PORT --pid PID] [--corpus data/corpus] [--key KEY]

Without ``--url`` the script starts its own server (``rag serve`` on a free loopback port) over a fresh
index in a temporary directory, ingests ``--corpus`` into it first, and stops the server at the end; the
model comes from the home (``RAG_HOME`` or the user data directory). With ``--url`` it drives a running server
(loopback only) and reads that server's memory from ``--pid``.

The mix, by request number: 4 in 10 ``/v1/ask``, 4 in 10 streamed chat completions (read to ``[DONE]``),
1 upload of a small document of its own and 1 delete of one of its own documents (an upload when none is
left). Questions are the load test's (simplified, traditional, English, a follow-up). The run stops at
``--seconds`` or ``--max-requests``, whichever comes first; its remaining documents are deleted at the end,
so the document and chunk counts must equal those at the start.

Printed: requests, throughput, latency p50/p95/p99 (all and per kind), HTTP statuses, errors (0 expected),
the server's RSS (``VmRSS``) at start, peak and end, and the counts before and after. Exit status 1 on any
error or count mismatch.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from eval.load.loadtest import FOLLOW_UP, LoadReport, LoadRun
from eval.metrics.latency import percentile

REPO = Path(__file__).resolve().parents[2]
KINDS = ("ask", "stream", "ask", "stream", "ask", "stream", "ask", "stream", "upload", "delete")


def rss_kib(pid: int | None) -> int | None:
    """The resident set size of process ``pid`` in KiB (``VmRSS`` of ``/proc/<pid>/status``), or None."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def small_document(run_id: str, n: int) -> str:
    """A small document of the soak's own (a few hundred characters, unique per run and number)."""
    return (
        f"日喀则市第{n}号安置点简报（{run_id}）\n\n"
        f"日喀则市第{n}号易地扶贫搬迁安置点建成住房{100 + n}套，搬迁群众{400 + n * 7}人。"
        f"安置点配套建设了学校、卫生室和扶贫车间，带动就业{50 + n}人，人均年收入增加{1000 + n * 13}元。\n"
    )


@dataclass
class SoakReport(LoadReport):
    """A load report plus what a soak adds: requests sent, memory and the documents it kept."""

    sent: int = 0
    rss: dict[str, int | None] = field(default_factory=dict)
    uploads: int = 0
    deletes: int = 0

    def ok(self) -> bool:
        """No errors, something answered, and the index back to its starting counts."""
        return not self.errors and bool(self.all_latencies) and self.counts.get("after") == self.counts.get("before")


class SoakRun(LoadRun):
    """One soak against one loopback server (the load test's client, questions and stream reader).

    Args:
        url: The server's base URL (loopback only).
        pid: The server's process id, for its RSS.
        key: An API key, when the server needs one.
    """

    def __init__(self, url: str, pid: int | None = None, key: str | None = None, timeout: float = 120.0) -> None:
        super().__init__(url, key, timeout)
        self.report = SoakReport()
        self.pid = pid
        self.run_id = f"{os.getpid()}-{time.time_ns()}"
        self._mine: list[str] = []  # doc ids uploaded by this run and not yet deleted
        self._numbers = itertools.count()

    def _upload_one(self) -> None:
        n = next(self._numbers)
        name = f"soak-{self.run_id}-{n}.txt"
        r = self.client.post("/v1/documents", files={"file": (name, small_document(self.run_id, n).encode())})
        self._expect(r, 201, "upload ")
        with self._lock:
            self._mine.append(r.json()["doc_id"])
            self.report.uploads += 1

    def _delete_one(self) -> None:
        with self._lock:
            doc_id = self._mine.pop(0) if self._mine else None
        if doc_id is None:
            self._upload_one()
            return
        r = self.client.delete(f"/v1/documents/{doc_id}")
        self._expect(r, 200, "delete ")
        with self._lock:
            self.report.deletes += 1

    def _request(self, i: int) -> None:
        kind = KINDS[i % len(KINDS)]
        question = self.questions[i % len(self.questions)]
        history: list[dict] = []
        if i % 20 == 19:
            history, question = FOLLOW_UP
        t = time.perf_counter()
        try:
            if kind == "upload":
                self._upload_one()
            elif kind == "delete":
                self._delete_one()
            elif kind == "ask":
                self._ask(question, history)
            else:
                self._stream(question, history)
        except Exception as exc:  # every failure is counted, none stops the run
            with self._lock:
                self.report.errors.append(f"#{i} {kind}: {type(exc).__name__}: {exc}"[:300])
            return
        with self._lock:
            self.report.latencies.setdefault(kind, []).append(time.perf_counter() - t)

    def soak(self, seconds: float, max_requests: int, concurrency: int) -> SoakReport:
        """Drive the server until ``seconds`` pass or ``max_requests`` are sent, then clean up.

        Args:
            seconds: Wall-clock bound of the run.
            max_requests: Request-count bound of the run.
            concurrency: Worker threads, each with one request in flight.

        Returns:
            The report (also kept on ``self.report``).
        """
        self._require_ready()
        r = self.report
        r.counts["before"] = self.counts()
        r.rss["start"] = r.rss["peak"] = rss_kib(self.pid)
        numbers = itertools.count()
        t0 = time.perf_counter()
        deadline = t0 + seconds
        stop = threading.Event()

        def worker() -> None:
            while time.perf_counter() < deadline and not stop.is_set():
                with self._lock:
                    i = next(numbers)
                if i >= max_requests:
                    return
                self._request(i)

        def sampler() -> None:
            while not stop.wait(1.0):
                now = rss_kib(self.pid)
                if now is not None and (r.rss["peak"] or 0) < now:
                    r.rss["peak"] = now

        watch = threading.Thread(target=sampler, daemon=True)
        watch.start()
        workers = [threading.Thread(target=worker, name=f"soak-{k}") for k in range(concurrency)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        r.wall_seconds = time.perf_counter() - t0
        stop.set()
        watch.join()
        r.sent = min(next(numbers), max_requests)
        r.rss["end"] = rss_kib(self.pid)
        for doc_id in list(self._mine):  # leave the index as it was
            d = self.client.delete(f"/v1/documents/{doc_id}")
            if d.status_code != 200:
                r.errors.append(f"cleanup delete {doc_id}: HTTP {d.status_code}")
        self._mine.clear()
        r.counts["after"] = self.counts()
        return r


def format_soak(r: SoakReport, concurrency: int) -> str:
    """Human-readable summary lines."""
    lat = r.all_latencies
    mib = {k: (f"{v / 1024:.1f} MiB" if v is not None else "n/a") for k, v in r.rss.items()}
    growth = (
        f"{(r.rss['end'] - r.rss['start']) / 1024:+.1f} MiB"
        if r.rss.get("start") is not None and r.rss.get("end") is not None
        else "n/a"
    )
    lines = [
        f"requests: {r.sent} sent, {len(lat)} succeeded at concurrency {concurrency} in {r.wall_seconds:.1f} s "
        f"({len(lat) / r.wall_seconds if r.wall_seconds else 0:.1f} req/s)",
        "latency (s): "
        + "  ".join(f"p{p} {percentile(lat, p, empty=0.0):.3f}" for p in (50, 95, 99))
        + f"  max {max(lat, default=0):.3f}",
    ]
    for kind, xs in sorted(r.latencies.items()):
        lines.append(
            f"  {kind:6} n={len(xs):5}  p50 {percentile(xs, 50):.3f}  p95 {percentile(xs, 95):.3f}  "
            f"p99 {percentile(xs, 99):.3f}"
        )
    lines.append(f"uploads {r.uploads}, deletes {r.deletes} (own documents; the rest deleted at the end)")
    lines.append(f"HTTP statuses: {dict(sorted(r.statuses.items()))}")
    lines.append(f"errors: {len(r.errors)}")
    lines.extend(f"  {e}" for e in r.errors[:10])
    lines.append(f"server RSS: start {mib.get('start')}, peak {mib.get('peak')}, end {mib.get('end')} ({growth})")
    c = r.counts
    lines.append(f"counts before {c.get('before')}, after {c.get('after')}")
    lines.append("RESULT: " + ("OK" if r.ok() else "FAILED"))
    return "\n".join(lines)


def soak_ok(r: SoakReport) -> bool:
    """``r.ok()``: no errors, something answered, and the index back to its starting counts."""
    return r.ok()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def own_server(corpus: Path | None, home: str, startup_timeout: float = 600.0) -> Iterator[tuple[str, int]]:
    """Start ``rag serve`` on a free loopback port over a fresh index in a temp dir; yield (url, pid).

    Args:
        corpus: Documents ingested before serving (None: start empty).
        home: ``RAG_HOME`` (the model and embedding cache); the index is never the home's own.
        startup_timeout: Seconds to wait for ``/readyz``.
    """
    with tempfile.TemporaryDirectory(prefix="rag-soak-") as tmp:
        cfg = {
            "home": home,
            "index": {"dir": str(Path(tmp) / "index")},
            "service": {"requests_per_minute": 1_000_000},
        }
        config = Path(tmp) / "soak.yaml"
        config.write_text(yaml.safe_dump(cfg), encoding="utf-8")
        env = {**os.environ, "RAG_HOME": home, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        env.pop("RAG_API_KEYS", None)
        rag = str(Path(sys.executable).with_name("rag"))
        if corpus is not None:
            subprocess.run([rag, "ingest", "--config", str(config), str(corpus)], env=env, check=True)
        port = free_port()
        log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 - closed below, after the server
        proc = subprocess.Popen(
            [rag, "serve", "--host", "127.0.0.1", "--port", str(port), "--config", str(config)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    tail = (Path(tmp) / "server.log").read_text(errors="replace")[-2000:]
                    raise SystemExit(f"the soak server did not become ready:\n{tail}")
                time.sleep(0.2)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


def main(argv: list[str] | None = None) -> int:
    """Run the soak from the command line.

    Args:
        argv: Arguments (``sys.argv[1:]`` when None).

    Returns:
        0 when there were no errors and the counts are restored, else 1.
    """
    p = argparse.ArgumentParser(prog="python -m eval.load.soak", description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default=None, help="a running server (loopback only); default: start one")
    p.add_argument("--pid", type=int, default=None, help="that server's process id (for its RSS)")
    p.add_argument("--seconds", type=float, default=120.0)
    p.add_argument("--max-requests", type=int, default=20_000)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--key", default=None, help="API key, when the server needs one")
    p.add_argument("--corpus", default=str(REPO / "data" / "corpus"), help="ingested into the soak's own index")
    p.add_argument("--home", default=None, help="RAG_HOME (the model); default: the home (rag/config.py)")
    args = p.parse_args(argv)
    if not 1 <= args.seconds <= 3600 or not 1 <= args.max_requests <= 1_000_000 or not 1 <= args.concurrency <= 64:
        p.error("--seconds must be 1..3600, --max-requests 1..1000000 and --concurrency 1..64: this is a bounded run")
    with contextlib.ExitStack() as stack:
        url, pid = args.url, args.pid
        if url is None:
            corpus = Path(args.corpus) if args.corpus else None
            from rag.config import default_home

            url, pid = stack.enter_context(own_server(corpus, args.home or str(default_home())))
        run = SoakRun(url, pid, args.key)
        report = run.soak(args.seconds, args.max_requests, args.concurrency)
    print(f"server: {url} (pid {pid})")
    print(format_soak(report, args.concurrency))
    return 0 if report.ok() else 1


if __name__ == "__main__":
    sys.exit(main())
