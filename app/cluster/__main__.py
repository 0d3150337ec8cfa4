"""`python -m app.cluster --workers 2`: the multi-worker topology on one machine.

redis-server on 127.0.0.1:6379 (with a password made for the run), workers on 127.0.0.1:8001..,
HAProxy on --bind (default 127.0.0.1:8000) from deploy/haproxy.cfg; Ctrl-C stops them all. A
worker that exits is restarted, and tried again later if it does not come back. Needs Debian's
redis-server and haproxy, and redis-py (`pip install -e '.[cluster]'`).
"""

import argparse
import signal
import sys
import threading
import time

from app.__main__ import pin_blas
from app.cluster.launch import Topology, missing_programs
from app.settings import Settings


def main() -> None:
    pin_blas()
    parser = argparse.ArgumentParser(description="Serve Backprop Playground from several workers.")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (one per core)")
    parser.add_argument("--bind", default="127.0.0.1:8000", help="the proxy's address")
    parser.add_argument("--first-port", type=int, default=8001, help="the first worker's port")
    parser.add_argument("--redis-port", type=int, default=6379)
    args = parser.parse_args()
    try:  # the workers' settings, refused here before any process starts
        Settings.from_env()
    except ValueError as e:
        sys.exit(f"python -m app.cluster: {e}")
    missing = missing_programs()
    if missing:
        sys.exit(f"missing: {', '.join(missing)} (apt-get install -y redis-server haproxy)")
    cluster = Topology(workers=args.workers, proxy_bind=args.bind, first_worker_port=args.first_port,
                      redis_port=args.redis_port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Ctrl-C, even where the shell started this in the background with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    cluster.start()
    # A worker that fails to restart is tried again later, waiting longer each time (up to a minute).
    retry_at: dict[str, tuple[float, float]] = {}
    try:
        print(f"serving on http://{args.bind} ({args.workers} workers, redis on 127.0.0.1:{cluster.redis_port} "
              "with a password made for this run); Ctrl-C stops", flush=True)
        while not stop.wait(0.5):
            for worker in cluster.members:
                if worker.process is None or worker.process.poll() is None:
                    continue
                at, wait = retry_at.get(worker.name, (0.0, 0.0))
                if time.monotonic() < at:
                    continue
                # Its sessions come back from their checkpoints wherever they are asked for.
                print(f"{worker.name} exited ({worker.process.returncode}); restarting it", file=sys.stderr)
                try:
                    cluster.restart_worker(worker)
                    retry_at.pop(worker.name, None)
                except (RuntimeError, OSError) as e:
                    wait = min(60.0, max(1.0, 2 * wait))
                    retry_at[worker.name] = (time.monotonic() + wait, wait)
                    print(f"{worker.name} did not restart ({e}); trying again in {wait:g} s", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
