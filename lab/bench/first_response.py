#!/usr/bin/env python3
"""Time from process start to the first successful HTTP response, for lab/bench.sh.

    first_response.py PORT RUNS [--cpu N] -- COMMAND...

Starts COMMAND (which must listen on 127.0.0.1:PORT) RUNS times. Each time it notes the clock just
before spawning, then polls in a tight loop (connect, GET /basic, read the status line) until a
200 arrives, stops the process with SIGTERM and waits for it. Prints one line per run and a final
line `FIRST_RESPONSE_MS median=... min=... max=...`. Every loop is bounded (5 s per run).

The child inherits this script's environment; `{run}` in COMMAND or in an environment value is
replaced by the run number (for a fresh database per run). `--cpu N` starts the child on core N:
this script moves itself there for the spawn (the child inherits the affinity) and back, so no
`taskset`/`env` exec is counted in its start-up, and no `preexec_fn` either (which makes Python
fork its whole process instead of spawning: 1.6 ms more per start here, counted against the
server). The polling client runs wherever this script runs; pin it with taskset to keep it off
the server's core.
"""
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

REQUEST = b"GET /basic HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
LIMIT_SECONDS = 5.0


def first_ok(port: int, process: subprocess.Popen, started: float) -> float:
    attempts = 0
    while True:
        attempts += 1
        now = time.monotonic()
        if now - started > LIMIT_SECONDS:
            raise RuntimeError(f"no 200 within {LIMIT_SECONDS}s ({attempts} attempts)")
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
                sock.sendall(REQUEST)
                data = b""
                while b"\r\n" not in data and len(data) < 4096:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                if data.startswith(b"HTTP/1.1 200") or data.startswith(b"HTTP/1.0 200"):
                    return time.monotonic() - started
        except OSError:
            pass


def main() -> int:
    args = sys.argv[1:]
    if "--" not in args or len(args) < 4:
        print(__doc__, file=sys.stderr)
        return 64
    split = args.index("--")
    options, command = args[:split], args[split + 1 :]
    port, runs = int(options[0]), int(options[1])
    cpu = None
    if len(options) == 4 and options[2] == "--cpu":
        cpu = int(options[3])
    elif len(options) != 2 or not command:
        print(__doc__, file=sys.stderr)
        return 64
    home = os.sched_getaffinity(0)
    results = []
    for run in range(1, runs + 1):
        argv = [part.replace("{run}", str(run)) for part in command]
        env = {key: value.replace("{run}", str(run)) for key, value in os.environ.items()}
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
        started = time.monotonic()
        try:
            process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            if cpu is not None:
                os.sched_setaffinity(0, home)
        try:
            elapsed = first_ok(port, process, started)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        results.append(elapsed * 1000)
        print(f"run {run}: {elapsed * 1000:.1f} ms", flush=True)
    print(
        f"FIRST_RESPONSE_MS median={statistics.median(results):.1f} "
        f"min={min(results):.1f} max={max(results):.1f} runs={runs}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
