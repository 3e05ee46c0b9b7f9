"""Uploads vs questions: a cached question's latency while many tiny uploads arrive at once, against idle.

Starts ``rag serve`` on 127.0.0.1 (a free port) in a temporary home: the models are linked and the
embedding cache copied from the configured home, so the index of the corpus is built from cached vectors
(``--corpus`` picks another corpus, e.g. a tiny one). Then it asks one question (warm: its embedding and
the segmenter are cached) ``--questions`` times idle, then again while ``--uploads`` uploads are sent at
once, asking on until the last upload is answered; an upload refused with 429 (the write queue is full)
is retried after its ``Retry-After``, as a client would. Prints p50/p95 idle and during the uploads,
their ratio, and the upload statuses. Bounded: ``--questions`` idle, at most ``--max-during`` during,
``--max-attempts`` tries per upload; loopback only.

Run: ``.venv/bin/python -m eval.bench_uploads [--config FILE] [--uploads 80] [--questions 40]``
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import yaml

from eval.metrics import percentile
from rag.config import REPO_ROOT, load_settings

QUESTION = "昌都搬迁了多少人?"
HOST = "127.0.0.1"  # loopback only: this sends bursts of requests


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def prepare_home(config: str | None, corpus: str | None, tmp: Path) -> Path:
    """A config in ``tmp`` using the configured models and a copy of the embedding cache.

    Returns:
        The config file.
    """
    settings = load_settings(config)
    home = tmp / "home"
    (home / "cache").mkdir(parents=True)
    if settings.models_dir.exists():
        (home / "models").symlink_to(settings.models_dir.resolve())
    cache = settings.home_dir / "cache" / "embeddings.sqlite"
    if cache.exists():  # SQLite's backup: a consistent copy, the WAL included
        with sqlite3.connect(cache) as src, sqlite3.connect(home / "cache" / "embeddings.sqlite") as dst:
            src.backup(dst)
    data = settings.model_dump()
    data.update(home=str(home), corpus=str(Path(corpus).resolve()) if corpus else settings.corpus)
    data["index"]["dir"] = str(home / "index")
    # One client address sends everything here: no per-address limit may skew the figures. (Only the
    # fields this version has: the script also runs against an older checkout, for a before figure.)
    for key, value in {"requests_per_minute": 0, "api_keys": [], "admin_keys": []}.items():
        if key in data["service"]:
            data["service"][key] = value
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def start_server(config: Path, port: int, log: Path, timeout: float) -> subprocess.Popen:
    """``rag serve`` in a child process, returned once ``/readyz`` says 200."""
    command = [sys.executable, "-m", "rag.cli", "serve", "--host", HOST, "--port", str(port), "--config", str(config)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://{HOST}:{port}/readyz", timeout=5).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"the server was not ready within {timeout:.0f} s")


def ask_times(client: httpx.Client, n: int, until: threading.Event | None = None) -> list[float]:
    """Seconds per answer of ``QUESTION``: ``n`` of them, or fewer once ``until`` is set."""
    out = []
    for _ in range(n):
        if until is not None and until.is_set():
            break
        t = time.perf_counter()
        client.post("/v1/ask", json={"question": QUESTION}).raise_for_status()
        out.append(time.perf_counter() - t)
    return out


def upload(url: str, i: int, max_attempts: int, statuses: Counter, lock: threading.Lock) -> str | None:
    """One tiny document, retried after ``Retry-After`` while the write queue is full."""
    name = f"bench-upload-{i}.txt"
    data = f"那曲市第{i}号通知\n\n那曲市新建学校{i}所。\n".encode()
    with httpx.Client(base_url=url, timeout=300) as c:
        for _ in range(max_attempts):
            r = c.post("/v1/documents", files={"file": (name, data)})
            with lock:
                statuses[r.status_code] += 1
            if r.status_code != 429:
                return name if r.status_code == 201 else None
            time.sleep(min(5.0, float(r.headers.get("Retry-After", "1"))))
    return None


def figures(label: str, values: list[float]) -> str:
    return f"{label:<16} n={len(values):<4} p50 {percentile(values, 50):.3f} s   p95 {percentile(values, 95):.3f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="the config whose models, embedding cache and corpus to use")
    parser.add_argument("--corpus", help="another corpus directory (default: the config's)")
    parser.add_argument("--uploads", type=int, default=80)
    parser.add_argument("--questions", type=int, default=40, help="questions asked idle")
    parser.add_argument("--max-during", type=int, default=5000, help="questions asked during the uploads, at most")
    parser.add_argument("--max-attempts", type=int, default=60, help="tries per upload while refused with 429")
    parser.add_argument("--ready-timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as tmp_name:
        tmp = Path(tmp_name)
        config = prepare_home(args.config, args.corpus, tmp)
        port = free_port()
        url = f"http://{HOST}:{port}"
        t = time.perf_counter()
        proc = start_server(config, port, tmp / "server.log", args.ready_timeout)
        print(f"server ready in {time.perf_counter() - t:.1f} s at {url}")
        try:
            with httpx.Client(base_url=url, timeout=300) as client:
                ask_times(client, 3)  # warm: the question's embedding and the answer path are cached
                idle = ask_times(client, args.questions)
                statuses: Counter = Counter()
                lock, done = threading.Lock(), threading.Event()
                t = time.perf_counter()
                with ThreadPoolExecutor(max_workers=args.uploads) as pool:
                    futures = [
                        pool.submit(upload, url, i, args.max_attempts, statuses, lock) for i in range(args.uploads)
                    ]
                    threading.Thread(target=lambda: ([f.result() for f in futures], done.set()), daemon=True).start()
                    during = ask_times(client, args.max_during, until=done)
                    names = [f.result() for f in futures]
                upload_seconds = time.perf_counter() - t
                for name in filter(None, names):
                    for _ in range(args.max_attempts):
                        r = client.delete(f"/v1/documents/{name}")
                        if r.status_code != 429:
                            break
                        time.sleep(1)
        finally:
            proc.terminate()
            proc.wait(30)
    print(figures("idle", idle))
    print(figures("during uploads", during))
    print(f"p95 ratio (during / idle): {percentile(during, 95) / percentile(idle, 95):.2f}")
    print(f"p50 ratio (during / idle): {percentile(during, 50) / percentile(idle, 50):.2f}")
    stored = sum(1 for n in names if n)
    responses = dict(sorted(statuses.items()))
    print(f"uploads: {stored}/{args.uploads} stored in {upload_seconds:.1f} s; responses {responses}")
    return 0 if stored == args.uploads else 1


if __name__ == "__main__":
    raise SystemExit(main())
