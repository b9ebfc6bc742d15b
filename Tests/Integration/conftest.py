"""Shared fixtures: the nagare binary and processes it runs, stopped at the end of each test."""
import os
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def nagare_bin():
    path = os.environ.get("NAGARE_BIN") or os.path.join(ROOT, ".build", "debug", "nagare")
    if not os.path.exists(path):
        pytest.fail(f"nagare binary not found at {path}: run scripts/test.sh or swift build first")
    return path


class Process:
    """A child process whose standard output is read line by line."""

    def __init__(self, args, **kwargs):
        self.args = args
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)

    def first_line(self, timeout=15):
        deadline = time.time() + timeout
        line = self.proc.stdout.readline()
        if not line and time.time() > deadline:
            raise TimeoutError(f"{self.args} printed nothing")
        if not line:
            raise RuntimeError(f"{self.args} exited: {self.proc.stderr.read()}")
        return line.strip()

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class Broker:
    """A `nagare broker` process on a free port over a data directory that outlives restarts."""

    def __init__(self, nagare_bin, data_dir, extra_args=()):
        self.nagare_bin = nagare_bin
        self.data_dir = str(data_dir)
        self.extra_args = list(extra_args)
        self.port = 0
        self.process = None
        self.stderr_path = os.path.join(self.data_dir + "-logs", "broker.log")
        os.makedirs(os.path.dirname(self.stderr_path), exist_ok=True)

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def start(self):
        # Restarts reuse the port, so clients' bootstrap addresses stay valid.
        listen = f"127.0.0.1:{self.port}"
        self.stderr = open(self.stderr_path, "a")
        self.process = subprocess.Popen(
            [self.nagare_bin, "broker", "--data-dir", self.data_dir, "--listen", listen, "--log-level", "info"]
            + self.extra_args,
            stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError(f"broker did not start: {line!r}; see {self.stderr_path}")
        self.port = int(line.rsplit(":", 1)[1])
        return self

    def stop(self, timeout=30):
        """SIGTERM; returns the exit code."""
        if self.process is None:
            return None
        self.process.terminate()
        code = self.process.wait(timeout=timeout)
        self.process = None
        self.stderr.close()
        return code

    def kill(self):
        """SIGKILL: a crash."""
        self.process.kill()
        self.process.wait()
        self.process = None
        self.stderr.close()

    def log(self):
        with open(self.stderr_path) as f:
            return f.read()


@pytest.fixture
def broker(nagare_bin, tmp_path):
    """A running `nagare broker` with 3 partitions per auto-created topic."""
    b = Broker(nagare_bin, tmp_path / "data", ["--partitions", "3"]).start()
    yield b
    if b.process is not None:
        assert b.stop() == 0, b.log()


@pytest.fixture
def mock_cluster(nagare_bin):
    """librdkafka's mock cluster in its own process, via `nagare mock-cluster`."""
    p = Process([nagare_bin, "mock-cluster", "--topic", "events:3", "--topic", "single:1"])
    bootstrap = p.first_line()
    yield bootstrap
    assert p.stop() == 0


def run(args, input=None, timeout=60):
    return subprocess.run(args, input=input, capture_output=True, text=True, timeout=timeout)
