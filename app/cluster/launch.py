"""The cluster on one machine: redis-server, N workers and HAProxy as child processes.

Used by ``python -m app.cluster`` and by the tests. Everything listens on loopback except the
proxy's own address; Redis keeps nothing on disk (the checkpoints are worth a class, not a
backup) and asks for a password made at random for each topology, which reaches the workers in
BPP_REDIS_URL: a Redis already listening on the port (the system's) is never taken for it.
Stopping ends the workers first (each saves its sessions and lets them go), then the proxy,
then Redis; a child that does not stop in time is killed.
"""

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.cluster.proxy import config as proxy_config

STOP_SECONDS = 8.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing_programs() -> list[str]:
    return [name for name in ("redis-server", "haproxy") if shutil.which(name) is None]


def wait_until(ready: Callable[[], bool], seconds: float, what: str,
               process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(OSError):
            if ready():
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} not ready after {seconds:g} s")


def answers(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=1) as response:
        return response.status == 200


def redis_answers(port: int, password: str) -> bool:
    """Whether the Redis on ``port`` takes this password and answers PING."""
    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
        connection.sendall(f"AUTH {password}\r\nPING\r\n".encode())
        reply = b""
        while reply.count(b"\r\n") < 2:
            chunk = connection.recv(256)
            if not chunk:
                break
            reply += chunk
        return reply == b"+OK\r\n+PONG\r\n"


@dataclass
class Worker:
    name: str
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Topology:
    """The processes of one topology, started by ``start`` and ended by ``stop``."""

    workers: int = 2
    proxy_bind: str = "127.0.0.1:8000"
    first_worker_port: int | None = 8001  # None: free ports
    redis_port: int | None = 6379
    env: dict[str, str] = field(default_factory=dict)
    quiet: bool = False
    redis: subprocess.Popen | None = None
    proxy: subprocess.Popen | None = None
    members: list[Worker] = field(default_factory=list)
    folder: Path | None = None
    redis_password: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def proxy_url(self) -> str:
        return f"http://{self.proxy_bind}"

    @property
    def redis_url(self) -> str:
        return f"redis://:{self.redis_password}@127.0.0.1:{self.redis_port}/0"

    def output(self) -> int | None:
        return subprocess.DEVNULL if self.quiet else None

    def start(self) -> "Topology":
        self.folder = Path(tempfile.mkdtemp(prefix="bpp-cluster-"))
        try:
            self.start_redis()
            for i in range(self.workers):
                port = free_port() if self.first_worker_port is None else self.first_worker_port + i
                self.members.append(Worker(f"worker{i + 1}", port))
            for worker in self.members:
                self.start_worker(worker)
            for worker in self.members:
                self.wait_for(worker)
            self.start_proxy()
        except BaseException:
            self.stop()
            raise
        return self

    def start_redis(self) -> None:
        self.redis_port = self.redis_port or free_port()
        # The password goes in on stdin (the config file "-"), not where ps shows arguments.
        self.redis = subprocess.Popen(
            ["redis-server", "-", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.output(), start_new_session=True)
        assert self.redis.stdin is not None
        self.redis.stdin.write(f"requirepass {self.redis_password}\n".encode())
        self.redis.stdin.close()
        wait_until(lambda: redis_answers(self.redis_port or 0, self.redis_password), 10, "redis-server", self.redis)
        if self.redis.poll() is not None:  # what answered is not the redis-server started here
            raise RuntimeError(f"redis-server exited with {self.redis.returncode} (port {self.redis_port} taken?)")

    def start_worker(self, worker: Worker) -> None:
        env = {**os.environ, "BPP_REDIS_URL": self.redis_url, "BPP_WORKER_ID": worker.name,
               # Only the proxy reaches the workers (they listen on loopback): its header is trusted.
               "BPP_TRUSTED_PROXY_HEADER": "X-Forwarded-For", **self.env}
        worker.process = subprocess.Popen(
            [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(worker.port)],
            env=env, stdout=self.output(), stderr=self.output(), start_new_session=True)

    def wait_for(self, worker: Worker) -> None:
        wait_until(lambda: answers(f"{worker.url}/health"), 60, worker.name, worker.process)

    def restart_worker(self, worker: Worker) -> None:
        self.start_worker(worker)
        self.wait_for(worker)

    def start_proxy(self) -> None:
        assert self.folder is not None
        path = self.folder / "haproxy.cfg"
        path.write_text(proxy_config(self.proxy_bind, [(w.name, f"127.0.0.1:{w.port}") for w in self.members]))
        self.proxy = subprocess.Popen(["haproxy", "-W", "-db", "-f", str(path)], stdout=self.output(),
                                      stderr=self.output(), start_new_session=True)
        wait_until(lambda: answers(f"{self.proxy_url}/health"), 10, "haproxy", self.proxy)

    def stop(self) -> None:
        """Workers first (they save to Redis as they stop), then the proxy, then Redis."""
        for group in ([w.process for w in self.members], [self.proxy], [self.redis]):
            processes = [p for p in group if p is not None and p.poll() is None]
            for process in processes:
                process.terminate()
            deadline = time.monotonic() + STOP_SECONDS
            for process in processes:
                try:
                    process.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def running(cluster: Topology) -> Iterator[Topology]:
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
