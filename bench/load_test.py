"""Many people drawing at once on a real server: prints figures, asserts nothing.

Starts ``streamlit run`` (or several processes behind nginx, or uses ``--url``), records once
what Chromium's canvas sends after a stroke, then at each level N lets N virtual people
draw at once through Streamlit's websocket protocol (tests/crowd.py): each draws its own
digit in ``--strokes`` strokes, one every 1-2 s, and checks that every answer is the one
for its own drawing. One real Chromium draws beside them for the mouse-up -> answer figure.
Loopback only; every level is bounded (a person gives up on an answer after 30 s).

Per level: server side stroke sent -> answer received p50/p95; answers dropped (overtaken
by the next stroke's, or never came), wrong, errors; people not kept on one process;
Chromium's mouse-up -> answer p50/p95; the servers' memory before / at the peak / after,
and the CPU used by the servers, nginx, this load generator and the whole machine.

    python bench/load_test.py [--people 1 10 20 50] [--strokes 10] [--processes 1]
    python bench/load_test.py --soak 5000 --people 50      # memory over 5,000 strokes
    python bench/load_test.py --url http://host:port       # a server started elsewhere
    python bench/load_test.py --streamlit-arg=--runner.postScriptGC=true   # the old default
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy.serve_many import Serving, serving  # noqa: E402
from tests.browser_support import CHROMIUM, free_port, mouse_up_to_answer  # noqa: E402
from tests.canvas_replay import CanvasRecording, record_canvas  # noqa: E402
from tests.crowd import ARRIVAL_S, STROKE_GAP_S, CrowdReport, percentile, plan_crowd, run_crowd  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
# RSS is sampled this often during a level (the peak is reported).
SAMPLE_S = 0.5
# After a level, sessions are left this long to close before "after" is read.
SETTLE_S = 3.0


# --- what the processes use ----------------------------------------------------------------


def rss_mib(pids: list[int]) -> float:
    """Resident set size of ``pids`` together, in MiB (VmRSS, Linux)."""
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) ``pids`` have used so far, in seconds."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def machine_busy_seconds() -> float:
    """CPU time all cores have spent busy so far (not idle or waiting), in seconds."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / TICKS


def with_children(pid: int) -> list[int]:
    """``pid`` and its child processes (nginx's workers are children of its master)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process has just ended
        if parent == pid:
            children.append(int(stat.parent.name))
    return [pid, *children]


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class RssSampler(threading.Thread):
    """Samples the servers' RSS every ``SAMPLE_S`` while a level runs."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids, self.samples = pids, []
        self.done = threading.Event()

    def run(self) -> None:
        start = time.perf_counter()
        while not self.done.wait(SAMPLE_S):
            self.samples.append((time.perf_counter() - start, rss_mib(self.pids)))


# --- one level ---------------------------------------------------------------------------


@dataclass
class Level:
    """One level's figures."""

    crowd: CrowdReport
    browser_ms: list[float]
    rss_before: float
    rss_peak: float
    rss_after: float
    rss_samples: list[tuple[float, float]]
    server_cores: float
    balancer_cores: float
    generator_cores: float
    machine_cores: float


def run_level(
    served: Serving,
    recording: CanvasRecording,
    people: int,
    strokes: int,
    digits_each: int,
    browser: bool,
    seed: int,
) -> Level:
    pids = served.app_pids
    balancer = with_children(served.balancer_pid) if served.balancer_pid else []
    plans = plan_crowd(recording, people, digits_each, strokes, seed)
    expected_s = ARRIVAL_S + digits_each * strokes * sum(STROKE_GAP_S) / 2
    browser_job = None
    if browser:
        pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
        browser_job = pool.submit(mouse_up_to_answer, served.url, None, expected_s, 2)
    rss_before = rss_mib(pids) if pids else math.nan
    sampler = RssSampler(pids)
    used = (cpu_seconds(pids), cpu_seconds(balancer), own_cpu_seconds(), machine_busy_seconds())
    start = time.perf_counter()
    if pids:
        sampler.start()
    crowd = run_crowd(served.url, recording, plans, seed)
    wall = time.perf_counter() - start
    now = (cpu_seconds(pids), cpu_seconds(balancer), own_cpu_seconds(), machine_busy_seconds())
    sampler.done.set()
    browser_ms: list[float] = []
    if browser_job:
        try:
            browser_ms = browser_job.result()
        except Exception as err:  # a figure missing, not the others
            print(f"    Chromium gave no figure: {type(err).__name__}: {err}".splitlines()[0])
        pool.shutdown()
    time.sleep(SETTLE_S)
    cores = [(b - a) / wall for a, b in zip(used, now)]
    peak = max((rss for _, rss in sampler.samples), default=math.nan)
    after = rss_mib(pids) if pids else math.nan
    return Level(crowd, browser_ms, rss_before, peak, after, sampler.samples, *cores)


# --- printing ----------------------------------------------------------------------------


def row(people: int, level: Level) -> str:
    crowd, latencies = level.crowd, level.crowd.latencies_ms
    browser = level.browser_ms
    spread = ", ".join(f"{n}" for _, n in sorted(crowd.processes.items()))
    return (
        f"| {people} | {crowd.strokes} | {percentile(latencies, 0.5):.0f} / "
        f"{percentile(latencies, 0.95):.0f} | {crowd.dropped} | {len(crowd.wrong)} | "
        f"{len(crowd.errors)} | {crowd.not_sticky}{f' ({spread})' if spread else ''} | "
        f"{percentile(browser, 0.5):.0f} / {percentile(browser, 0.95):.0f} (n={len(browser)}) | "
        f"{level.rss_before:.0f} / {level.rss_peak:.0f} / {level.rss_after:.0f} | "
        f"{level.server_cores:.2f} | {level.balancer_cores:.2f} | {level.generator_cores:.2f} | "
        f"{level.machine_cores:.2f} |"
    )


HEADER = (
    "| people | strokes | server ms p50 / p95 | dropped | wrong | errors | not sticky "
    "(people per process) | browser ms p50 / p95 | RSS MiB before / peak / after | "
    "server cores | nginx cores | generator cores | machine busy cores |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def print_soak(level: Level, strokes: int) -> None:
    samples = level.rss_samples
    print(f"soak: {strokes} strokes in {level.crowd.seconds:.0f} s; servers' RSS over time:")
    for share in (0.0, 0.25, 0.5, 0.75, 1.0):
        t, rss = samples[min(len(samples) - 1, int(share * (len(samples) - 1)))]
        print(f"  {t:6.0f} s: {rss:.1f} MiB")
    half = samples[len(samples) // 2 :]
    if len(half) > 1:
        (t0, r0), (t1, r1) = half[0], half[-1]
        print(f"  second half: {(r1 - r0) * 1024 / max(t1 - t0, 1e-9) * 60:+.0f} KiB/min")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[1, 10, 20, 50])
    parser.add_argument("--strokes", type=int, default=10, help="strokes per digit")
    parser.add_argument("--digits", type=int, default=1, help="digits each person draws")
    parser.add_argument("--processes", type=int, default=1, help="2+: behind nginx")
    parser.add_argument("--url", help="a server already running (no memory or CPU figures)")
    parser.add_argument("--soak", type=int, help="draw this many strokes in all, one level")
    parser.add_argument("--no-browser", action="store_true", help="no Chromium beside them")
    parser.add_argument("--streamlit-arg", action="append", default=[], help="to streamlit run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    browser = not args.no_browser and CHROMIUM.exists()
    digits = args.digits
    if args.soak:
        args.people = args.people[:1]
        digits = math.ceil(args.soak / (args.people[0] * args.strokes))

    if args.url:
        context = nullcontext(Serving(args.url.rstrip("/"), [], None))
    else:
        app_ports = [free_port() for _ in range(args.processes)] if args.processes > 1 else None
        context = serving(args.processes, free_port(), app_ports, extra_args=args.streamlit_arg)
    with context as served:
        start = time.perf_counter()
        recording = record_canvas(served.url)  # also loads the model in the process it reaches
        print(f"{served.url}: {args.processes} process(es), {' '.join(args.streamlit_arg)}; "
              f"canvas recorded in {time.perf_counter() - start:.1f} s; "
              f"load average {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
        warm_up = plan_crowd(recording, 2 * args.processes, strokes=2, seed=args.seed + 99)
        run_crowd(served.url, recording, warm_up)  # the model loaded in every process
        print(HEADER, flush=True)
        for people in args.people:
            level = run_level(served, recording, people, args.strokes, digits, browser, args.seed)
            print(row(people, level), flush=True)
            for problem in (level.crowd.wrong + level.crowd.errors)[:5]:
                print(f"    {problem}")
            if args.soak:
                print_soak(level, level.crowd.strokes)


if __name__ == "__main__":
    main()
