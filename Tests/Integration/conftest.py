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


@pytest.fixture
def mock_cluster(nagare_bin):
    """librdkafka's mock cluster in its own process, via `nagare mock-cluster`."""
    p = Process([nagare_bin, "mock-cluster", "--topic", "events:3", "--topic", "single:1"])
    bootstrap = p.first_line()
    yield bootstrap
    assert p.stop() == 0


def run(args, input=None, timeout=60):
    return subprocess.run(args, input=input, capture_output=True, text=True, timeout=timeout)
