"""Starts the real server jar (goldilocks-server/target/goldilocks-server.jar) for the tests."""

import json
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from goldilocks_client import GoldilocksClient  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
JAR = Path(os.environ.get("GOLDILOCKS_SERVER_JAR", REPO / "goldilocks-server" / "target" / "goldilocks-server.jar"))


def write_pool(path: Path, n: int = 200) -> list:
    rows = [{"id": f"q{i}", "text": f"What is {i * 37 % 100}+{i % 9}?"} for i in range(n)]
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return rows


class Server:
    def __init__(self, pool: Path, state: Path, token=None, port: int = 0, group_size: int = 4, extra=()):
        if not JAR.is_file():
            raise RuntimeError(f"{JAR} is missing: build it first (./mvnw -B package)")
        self.pool, self.state, self.token, self.group_size, self.extra = pool, state, token, group_size, tuple(extra)
        env = dict(os.environ, DJL_OFFLINE="true")
        env.pop("GOLDILOCKS_TOKEN", None)
        if token:
            env["GOLDILOCKS_TOKEN"] = token
        self.proc = subprocess.Popen(
            ["java", "-jar", str(JAR), "--pool", str(pool), "--state-dir", str(state), "--port", str(port),
             "--group-size", str(group_size), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://\S+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"the server did not start: {line!r}")
        self.url = m.group(1)
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        GoldilocksClient(self.url, token=token).wait_ready(120)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pool_file(tmp_path):
    path = tmp_path / "pool.jsonl"
    write_pool(path)
    return path


@pytest.fixture
def server(tmp_path, pool_file):
    s = Server(pool_file, tmp_path / "state")
    yield s
    s.stop()
