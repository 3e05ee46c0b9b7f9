"""A bounded loopback load run: questions at fixed concurrency with one upload in the middle.

Usage::

    python -m eval.load.loadtest --url http://127.0.0.1:8000 [--requests 300] [--concurrency 8] [--key KEY]
                               [--questions eval/gold/dev.jsonl] [--config CONFIG]

The mix is half non-streaming chat completions, a quarter streamed ones and a quarter ``/v1/ask``,
over simplified, traditional, English and follow-up questions (a built-in few, or every ``question`` of a
JSONL file). When half the requests are done a document (new text each run, so it is really embedded) is
uploaded while questions keep running; at the end it is deleted again, so the index is left
as it was. Printed: latency p50/p95/max (whole response, streams read to ``[DONE]``), errors, and the
consistency checks: every citation's quote equals the cited span of its document, the document and chunk
counts move by exactly the upload, and — with ``--config`` naming the server's config — the index's own
check (every chunk has one vector and one BM25 entry). Exit status 1 on any error or inconsistency.

Only loopback URLs are accepted: this is a test of this machine's server, not a tool to load others.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlparse

import httpx

from eval.metrics.latency import percentile
from rag.netaddr import is_loopback

QUESTIONS = [
    "昌都搬迁了多少人?",
    "拉萨建档立卡人口2020年人均纯收入有多少?",
    "西藏累計實現多少貧困人口脫貧?",
    "How many people were relocated in Chamdo?",
    "林芝市易地扶贫搬迁了多少人?",
    "西藏有多少个贫困县区摘帽?",
]
FOLLOW_UP = ([{"role": "user", "content": "昌都搬迁了多少人?"}], "那拉萨呢?")
UPLOAD_NAME = "loadtest_upload.txt"


def upload_text(run_id: str = "") -> str:
    """The document uploaded mid-run: a few thousand characters, so ingesting takes real work.

    Args:
        run_id: Mixed into every section so that no embedding cache already holds a passage.
    """
    tag = f"（{run_id}）" if run_id else ""
    rows = [
        f"第{i}节{tag} 那曲市第{i}片区易地扶贫搬迁安置点建设{i * 3}个，涉及群众{1000 + i * 37}人，"
        f"配套产业项目{i + 5}个，带动就业{200 + i * 11}人。安置区学校、卫生室和文化室同步建成。"
        for i in range(1, 41)
    ]
    return "那曲市易地扶贫搬迁负载测试报告\n\n" + "\n\n".join(rows) + "\n"


@dataclass
class LoadReport:
    """What a load run measured and checked."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    citations_checked: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    upload: dict = field(default_factory=dict)
    index_problems: list[str] | None = None
    wall_seconds: float = 0.0
    upload_window: tuple[float, float] | None = None
    finished: list[float] = field(default_factory=list)

    @property
    def during_upload(self) -> int:
        """Questions answered while the upload was being ingested."""
        if not self.upload_window:
            return 0
        lo, hi = self.upload_window
        return sum(lo <= t <= hi for t in self.finished)

    @property
    def all_latencies(self) -> list[float]:
        return [x for xs in self.latencies.values() for x in xs]

    @property
    def consistent(self) -> bool:
        c = self.counts
        moved = bool(self.upload) and (
            c["during"]["documents"] == c["before"]["documents"] + (1 if self.upload.get("status") == "added" else 0)
            and c["during"]["chunks"]
            == c["before"]["chunks"] + self.upload["chunks_added"] - self.upload["chunks_removed"]
        )
        restored = c.get("after") == c.get("before")
        return moved and restored and not self.index_problems

    def ok(self) -> bool:
        return not self.errors and self.consistent


class LoadRun:
    """One run against one server.

    Args:
        url: The server's base URL (loopback only).
        key: An API key, when the server needs one.
        timeout: Per-request timeout in seconds.
    """

    def __init__(
        self, url: str, key: str | None = None, timeout: float = 120.0, questions: list[str] | None = None
    ) -> None:
        host = urlparse(url).hostname or ""
        if not is_loopback(host):
            raise SystemExit(f"refusing to load {url}: only loopback servers (127.0.0.1, ::1, localhost)")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        self.client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout, limits=limits)
        self.report = LoadReport()
        self.questions = questions or QUESTIONS
        self._lock = threading.Lock()
        self._quotes: dict[tuple[str, int, int], str] = {}

    # -- one request ----------------------------------------------------------------------------
    def _one(self, i: int) -> None:
        kind = ("chat", "chat", "stream", "ask")[i % 4]
        question = self.questions[i % len(self.questions)]
        history: list[dict] = []
        if i % 10 == 9:
            history, question = FOLLOW_UP
        t = time.perf_counter()
        try:
            citations = getattr(self, f"_{kind}")(question, history)
        except Exception as exc:  # every failure is counted, none stops the run
            with self._lock:
                self.report.errors.append(f"#{i} {kind}: {type(exc).__name__}: {exc}"[:300])
            return
        elapsed = time.perf_counter() - t
        with self._lock:
            self.report.latencies.setdefault(kind, []).append(elapsed)
            self.report.finished.append(time.perf_counter())
            for c in citations:
                self._quotes.setdefault((c["source"], c["start"], c["end"]), c["quote"])

    def _expect(self, r: httpx.Response, status: int, what: str = "") -> None:
        """Count ``r``'s status; raise unless it is ``status`` (``what`` prefixes the message)."""
        with self._lock:
            self.report.statuses[r.status_code] += 1
        if r.status_code != status:
            r.read()  # a streamed response has no text until read
            raise RuntimeError(f"{what}HTTP {r.status_code}: {r.text[:200]}")

    def _require_ready(self) -> None:
        if self.client.get("/readyz").status_code != 200:
            raise SystemExit("the server is not ready (GET /readyz)")

    def _post(self, path: str, body: dict) -> dict:
        r = self.client.post(path, json=body)
        self._expect(r, 200)
        return r.json()

    def _chat(self, question: str, history: list[dict]) -> list[dict]:
        body = self._post("/v1/chat/completions", {"messages": [*history, {"role": "user", "content": question}]})
        if not body["choices"][0]["message"]["content"]:
            raise RuntimeError("empty answer")
        return body["citations"]

    def _ask(self, question: str, history: list[dict]) -> list[dict]:
        body = self._post("/v1/ask", {"question": question, "history": history})
        return body["citations"]

    def _stream(self, question: str, history: list[dict]) -> list[dict]:
        body = {"messages": [*history, {"role": "user", "content": question}], "stream": True}
        citations, done, text = None, False, ""
        with self.client.stream("POST", "/v1/chat/completions", json=body) as r:
            self._expect(r, 200)
            for line in r.iter_lines():
                if not line.startswith("data: "):
                    continue
                data = line[6:]
                if data == "[DONE]":
                    done = True
                    break
                chunk = json.loads(data)
                if "error" in chunk:
                    raise RuntimeError(chunk["error"]["message"])
                text += chunk["choices"][0]["delta"].get("content") or ""
                if "citations" in chunk:
                    citations = chunk["citations"]
        if not done or citations is None or not text:
            raise RuntimeError("stream ended without citations, text or [DONE]")
        return citations

    # -- the run ----------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        body = self.client.get("/v1/documents").raise_for_status().json()
        return {"documents": body["documents"], "chunks": body["chunks"]}

    def _upload(self) -> None:
        data = upload_text(f"{time.time():.6f}").encode("utf-8")
        t = time.perf_counter()
        try:
            r = self.client.post("/v1/documents", files={"file": (UPLOAD_NAME, data)})
            self.report.upload_window = (t, time.perf_counter())
            self._expect(r, 201)
            self.report.upload = r.json()
            self.report.counts["during"] = self.counts()
        except Exception as exc:
            self.report.errors.append(f"upload: {type(exc).__name__}: {exc}"[:300])

    def run(self, requests: int, concurrency: int) -> LoadReport:
        """Send ``requests`` questions at ``concurrency``, uploading one document halfway.

        Args:
            requests: Number of question requests.
            concurrency: Requests in flight at once.

        Returns:
            The report (also kept on ``self.report``).
        """
        self._require_ready()
        self.report.counts["before"] = self.counts()
        uploader = threading.Thread(target=self._upload, name="upload")
        done, half = 0, max(requests // 2, 1)  # with one request, upload after it
        t0 = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            futures = [pool.submit(self._one, i) for i in range(requests)]
            for f in futures:
                f.result()
                done += 1
                if done == half:
                    uploader.start()  # questions keep running while the document is ingested
        uploader.join()
        self.report.wall_seconds = time.perf_counter() - t0
        self._check_quotes()
        if self.report.upload:
            self.client.delete(f"/v1/documents/{UPLOAD_NAME}").raise_for_status()
        self.report.counts["after"] = self.counts()
        return self.report

    def _check_quotes(self) -> None:
        """Every distinct citation seen must quote its document exactly (read back through the API)."""
        for (source, start, end), quote in sorted(self._quotes.items()):
            r = self.client.get(f"/v1/documents/{source}", params={"start": start, "end": end, "context": 0})
            if r.status_code != 200 or r.json()["excerpt"]["text"] != quote:
                self.report.errors.append(f"citation {source}[{start}:{end}] does not match its document")
            self.report.citations_checked += 1


def index_problems(config: str) -> list[str]:
    """The index's own consistency check, opened read-only from the server's config."""
    from rag.pipeline import Pipeline

    return Pipeline.from_config(config).check()


def format_report(r: LoadReport, requests: int, concurrency: int) -> str:
    """Human-readable summary lines."""
    lat = r.all_latencies
    p50, p95 = (percentile(lat, p, empty=0.0) for p in (50, 95))  # no answer at all still gets a report
    lines = [
        f"requests: {requests} at concurrency {concurrency} in {r.wall_seconds:.1f} s "
        f"({len(lat) / r.wall_seconds if r.wall_seconds else 0:.1f} answered/s)",
        f"latency (s): p50 {p50:.3f}  p95 {p95:.3f}  max {max(lat, default=0):.3f}",
    ]
    for kind, xs in sorted(r.latencies.items()):
        lines.append(f"  {kind:6} n={len(xs):3}  p50 {percentile(xs, 50):.3f}  p95 {percentile(xs, 95):.3f}")
    lines.append(f"HTTP statuses: {dict(sorted(r.statuses.items()))}")
    lines.append(f"errors: {len(r.errors)}")
    lines.extend(f"  {e}" for e in r.errors[:10])
    if r.upload:
        lo, hi = r.upload_window or (0.0, 0.0)
        lines.append(
            f"upload mid-run: {r.upload['doc_id']} {r.upload['status']}, {r.upload['chunks_added']} chunks in "
            f"{hi - lo:.2f} s; questions answered meanwhile: {r.during_upload}"
        )
    c = r.counts
    lines.append(f"counts before {c.get('before')}, with the upload {c.get('during')}, after delete {c.get('after')}")
    lines.append(f"citations verified against their documents: {r.citations_checked}")
    if r.index_problems is not None:
        lines.append(f"index check: {'consistent' if not r.index_problems else r.index_problems}")
    lines.append(f"consistent: {r.consistent}")
    lines.append("RESULT: " + ("OK" if r.ok() else "FAILED"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the load test from the command line.

    Args:
        argv: Arguments (``sys.argv[1:]`` when None).

    Returns:
        0 when there were no errors and the index is consistent, else 1.
    """
    p = argparse.ArgumentParser(prog="python -m eval.load.loadtest", description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:8000", help="server base URL (loopback only)")
    p.add_argument("--requests", type=int, default=300)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--key", default=None, help="API key, when the server needs one")
    p.add_argument("--questions", default=None, help="JSONL file with a 'question' per line (default: built-in)")
    p.add_argument("--config", default=None, help="the server's config: also run the index's own check after")
    args = p.parse_args(argv)
    if not 1 <= args.requests <= 10_000 or not 1 <= args.concurrency <= 64:
        p.error("--requests must be 1..10000 and --concurrency 1..64: this is a bounded run")
    questions = None
    if args.questions:
        with open(args.questions, encoding="utf-8") as f:
            questions = [json.loads(line)["question"] for line in f if line.strip()]
    run = LoadRun(args.url, args.key, questions=questions)
    report = run.run(args.requests, args.concurrency)
    if args.config:
        report.index_problems = index_problems(args.config)
    print(format_report(report, args.requests, args.concurrency))
    return 0 if report.ok() else 1


if __name__ == "__main__":
    sys.exit(main())
