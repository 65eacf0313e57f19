"""Load on the clinic server: C concurrent clients send N requests in all to ``POST /api/evaluate`` on 127.0.0.1.

    PYTHONPATH=. python benchmarks/bench_server.py                  # 50 clients × 10,000 requests
    PYTHONPATH=. python benchmarks/bench_server.py --keep-alive     # one connection per client
    PYTHONPATH=/path/to/other/checkout python benchmarks/bench_server.py   # the same load on another version

The server runs in a child process (``rights_engine.web.make_server`` on port 0, as ``rights-engine serve`` does);
the clients are coroutines on one asyncio loop here (light enough not to be the bottleneck), each opening a fresh
connection per request unless ``--keep-alive``. A request is
*lost* when it gets no complete answer within ``--timeout`` seconds (refused, reset, or silent). Prints the
counts, the throughput and the latency percentiles. Loopback only; bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import sys, threading
from rights_engine.web import make_server
server = make_server("127.0.0.1", 0, log=None)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()  # until the parent closes it
server.shutdown()
"""


def _bodies() -> list[bytes]:
    out = []
    for path in sorted((ROOT / "examples" / "profiles").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out.append(json.dumps(data, ensure_ascii=False).encode("utf-8"))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=10_000, help="requests in all")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as lost")
    ap.add_argument("--keep-alive", action="store_true", help="one connection per client (HTTP/1.1 keep-alive)")
    ap.add_argument("--lang", default="en")
    args = ap.parse_args()

    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", str(ROOT))}
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                             text=True)
    assert child.stdout is not None and child.stdin is not None
    port = int(child.stdout.readline())
    bodies = _bodies()
    path = f"/api/evaluate?lang={args.lang}"
    headers = {"Content-Type": "application/json", "Host": f"127.0.0.1:{port}"}
    # warm the server (rule sets compiled on the first evaluation of each kind)
    for body in bodies:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", path, body=body, headers=headers)
        conn.getresponse().read()
        conn.close()

    latencies: list[float] = []
    statuses: dict[str, int] = {}
    per_client = [args.requests // args.clients + (1 if i < args.requests % args.clients else 0)
                  for i in range(args.clients)]
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Connection: {'keep-alive' if args.keep_alive else 'close'}\r\n").encode()

    async def one(reader: asyncio.StreamReader | None, writer: asyncio.StreamWriter | None,
                  body: bytes) -> tuple[str, asyncio.StreamReader | None, asyncio.StreamWriter | None]:
        if reader is None or writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        await writer.drain()
        status_line = await reader.readline()
        length, close = 0, not args.keep_alive
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _sep, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
            elif name.strip().lower() == "connection" and "close" in value.lower():
                close = True
        await reader.readexactly(length)
        parts = status_line.split()
        if len(parts) < 2:
            raise ConnectionError("no status line")
        if close:
            writer.close()
            return parts[1].decode(), None, None
        return parts[1].decode(), reader, writer

    async def client(index: int, count: int) -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        for i in range(count):
            body = bodies[(index + i) % len(bodies)]
            t0 = time.perf_counter()
            try:
                key, reader, writer = await asyncio.wait_for(one(reader, writer, body), args.timeout)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
                key = f"lost ({type(exc).__name__})"
                if writer is not None:
                    writer.close()
                reader = writer = None
            latencies.append(time.perf_counter() - t0)
            statuses[key] = statuses.get(key, 0) + 1
        if writer is not None:
            writer.close()

    async def run_all() -> None:
        await asyncio.gather(*(client(i, n) for i, n in enumerate(per_client)))

    began = time.perf_counter()
    asyncio.run(run_all())
    elapsed = time.perf_counter() - began
    child.stdin.close()
    try:
        child.wait(15)
    except subprocess.TimeoutExpired:
        child.kill()

    lost = sum(v for k, v in statuses.items() if k.startswith("lost"))
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    print(f"server: {env['PYTHONPATH']}")
    print(f"{args.clients} clients × {args.requests} requests ({'keep-alive' if args.keep_alive else 'a connection each'})"
          f" in {elapsed:.1f} s = {len(latencies) / elapsed:,.0f} req/s")
    print("answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print(f"lost: {lost}")
    print(f"latency ms: p50 {pct(50):.1f} · p90 {pct(90):.1f} · p99 {pct(99):.1f} · max {ordered[-1] * 1000:.1f} · "
          f"mean {statistics.fmean(ordered) * 1000:.1f}")
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
