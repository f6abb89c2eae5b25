"""Serve the page from several processes behind nginx, for many people at once.

One Python process runs one script at a time per session and shares one interpreter lock,
so one process holds a classroom but not a school: start as many ``streamlit run``
processes as there are cores and put nginx in front (websockets passed through, every
person kept on one process by a cookie). nginx runs unprivileged, with its configuration,
logs and temporary files in a directory of its own; Ctrl-C stops everything.

    python deploy/serve_many.py [--processes 2] [--port 8501] [--first-app-port 8511]

Used the same way by ``bench/load_test.py`` and ``tests/test_load.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "streamlit_app.py"
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
NGINX_PATHS = ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
# The processes listen on this machine only; people reach them through nginx.
APP_ADDRESS = "127.0.0.1"
# Loading the model and Streamlit takes a few seconds; on busy cores much longer.
START_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Serving:
    """A running set-up: the address people open and the processes behind it."""

    url: str
    app_pids: list[int]
    balancer_pid: int | None


def find_nginx() -> str | None:
    """The nginx binary (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("nginx")
    return found or next((p for p in NGINX_PATHS if os.access(p, os.X_OK)), None)


def streamlit_command(
    port: int, address: str, extra_args: Sequence[str] = (), headless: bool = True
) -> list[str]:
    """``streamlit run`` for one process of the page, on ``address:port`` (``headless=False``
    runs it as on a desktop, where Streamlit may prompt on its terminal)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        str(headless).lower(),
        "--server.fileWatcherType",
        "none",
        "--server.address",
        address,
        "--server.port",
        str(port),
        *extra_args,
    ]


def nginx_config(listen: str, app_addresses: Sequence[str], prefix: Path) -> str:
    """The template with its fields filled in: where to listen, the processes, the prefix."""
    servers = "\n".join(f"        server {address};" for address in app_addresses)
    text = TEMPLATE.read_text()
    for name, value in (("@LISTEN@", listen), ("@SERVERS@", servers), ("@PREFIX@", str(prefix))):
        text = text.replace(name, value)
    return text


def wait_healthy(url: str, processes: Sequence[subprocess.Popen], timeout: float) -> None:
    """Poll ``url``'s ``/_stcore/health`` until it answers ok; fail if a process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args[0]} exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not become healthy within {timeout:.0f} s")


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """``sig`` to the process's group, then SIGKILL if it has not gone after 10 s (with
    TensorFlow or a full interpreter loaded Streamlit can take several seconds to exit)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, sig)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def start(command: list[str], log: Path | None) -> subprocess.Popen:
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (kept by Popen)
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own group: stopping it stops its children too
    )


@contextmanager
def serving(
    processes: int = 2,
    port: int = 8501,
    app_ports: Sequence[int] | None = None,
    address: str = "127.0.0.1",
    extra_args: Sequence[str] = (),
    balancer: bool | None = None,
    log_dir: Path | None = None,
) -> Iterator[Serving]:
    """``processes`` processes of the page, behind nginx on ``port`` (by default whenever
    there are two or more), for the length of the block; stopped and cleaned up after.

    nginx listens on ``address``; the processes on their own ``app_ports`` (default: the
    ports after ``port``) of 127.0.0.1, or on ``address:port`` themselves without nginx;
    ``extra_args`` go to every ``streamlit run``; ``log_dir`` keeps their output.
    """
    balancer = processes > 1 if balancer is None else balancer
    if app_ports is None:
        app_ports = [port + 1 + i for i in range(processes)] if balancer else [port]
    if len(app_ports) != processes:
        raise ValueError(f"expected {processes} app ports, got {len(app_ports)}")
    nginx = find_nginx() if balancer else None
    if balancer and nginx is None:
        raise FileNotFoundError("nginx is not installed (Debian: apt-get install nginx-light)")
    with ExitStack() as cleanup:
        apps = []
        app_address = APP_ADDRESS if balancer else address
        for i, app_port in enumerate(app_ports):
            log = log_dir / f"streamlit-{i}.log" if log_dir else None
            apps.append(start(streamlit_command(app_port, app_address, extra_args), log))
            cleanup.callback(stop, apps[-1])
        balancer_process = None
        if nginx:
            prefix = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="nginx-")))
            # Started as root, nginx runs its workers as `nobody`, who must reach the
            # temporary directories nginx makes (and hands to it) inside the prefix.
            prefix.chmod(0o711)
            upstreams = [f"{app_address}:{p}" for p in app_ports]
            config = prefix / "nginx.conf"
            config.write_text(nginx_config(f"{address}:{port}", upstreams, prefix))
            command = [nginx, "-p", str(prefix), "-c", str(config), "-g", "daemon off;"]
            balancer_process = start(command, log_dir / "nginx.log" if log_dir else None)
            cleanup.callback(stop, balancer_process, signal.SIGQUIT)  # graceful: finish requests
        everyone = [*apps, *([balancer_process] if balancer_process else [])]
        for app_port in app_ports:
            wait_healthy(f"http://{app_address}:{app_port}", everyone, START_TIMEOUT_S)
        url = f"http://{address}:{port}"
        wait_healthy(url, everyone, START_TIMEOUT_S)
        yield Serving(url, [p.pid for p in apps], balancer_process and balancer_process.pid)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2, help="app processes (default 2)")
    parser.add_argument("--port", type=int, default=8501, help="where nginx listens")
    parser.add_argument("--first-app-port", type=int, default=8511, help="the processes' ports")
    parser.add_argument("--address", default="127.0.0.1", help="0.0.0.0 to serve a network")
    args = parser.parse_args(argv)
    app_ports = [args.first_app_port + i for i in range(args.processes)]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop as on Ctrl-C, cleaning up
    with serving(args.processes, args.port, app_ports, args.address, balancer=True) as served:
        print(f"serving {served.url} from {args.processes} processes; Ctrl-C stops", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
