"""Virtual people drawing on the page at once, through Streamlit's own websocket protocol.

Each person opens the page as a browser does (an HTTP request for its cookies, then the
``/_stcore/stream`` websocket), draws its own digit stroke by stroke on its own schedule by
sending what a real canvas sends (:mod:`tests.canvas_replay`), and reads the page's answer
from the ForwardMsgs of each script run. Every answer is checked against what the
recognizer reads in exactly the drawing that person sent, so an answer that is late, lost,
another person's or wrong is counted as such. Shared by ``bench/load_test.py`` and
``tests/test_load.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import math
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

from digitrec import Recognizer
from digitrec.training.renders import CANVAS, stroke_traces
from tests.canvas_replay import CanvasRecording

# The nginx set-up (deploy/nginx.conf.template) names the process that served a response.
UPSTREAM_HEADER = "X-Upstream"
# What a person does, after the classroom: a digit in about ten strokes, a stroke
# every one to two seconds; people arrive over the first seconds rather than all at once.
STROKES_PER_DIGIT = 10
STROKE_GAP_S = (1.0, 2.0)
ARRIVAL_S = 2.0
# An answer later than this is counted as dropped (the page has stopped answering).
ANSWER_TIMEOUT_S = 30.0
# Distinct digits each person draws; a soak longer than this repeats them.
DISTINCT_DRAWINGS = 3


@dataclass(frozen=True)
class Answer:
    """What the page shows for a drawing: the digit and its confidence, as written there;
    both None when it found no digit."""

    digit: int | None
    confidence: str | None


@dataclass(frozen=True)
class Drawing:
    """One digit drawn stroke by stroke: the BackMsg sent after each stroke, and the
    answer the page must show for the drawing so far."""

    digit: int
    messages: list[bytes]
    expected: list[Answer]


@dataclass
class PersonReport:
    """What one person saw: a latency for each answered stroke (stroke sent -> answer
    received), answers that were not the right one, errors, and which process served it."""

    strokes: int
    latencies_ms: list[float] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    upstreams: set[str] = field(default_factory=set)
    media_ok: bool | None = None

    @property
    def dropped(self) -> int:
        """Strokes whose answer never came: a later stroke's answer overtook it, or none."""
        return self.strokes - len(self.latencies_ms)

    @property
    def sticky(self) -> bool:
        """Every request of this person reached one process (the page's image of what the
        model saw is served by the process that made it, so it must load)."""
        return self.media_ok is not False and len(self.upstreams) <= 1


@dataclass
class CrowdReport:
    """Everyone's figures together."""

    people: list[PersonReport]
    seconds: float

    @property
    def latencies_ms(self) -> list[float]:
        return [t for person in self.people for t in person.latencies_ms]

    @property
    def strokes(self) -> int:
        return sum(person.strokes for person in self.people)

    @property
    def dropped(self) -> int:
        return sum(person.dropped for person in self.people)

    @property
    def wrong(self) -> list[str]:
        return [w for person in self.people for w in person.wrong]

    @property
    def errors(self) -> list[str]:
        return [e for person in self.people for e in person.errors]

    @property
    def not_sticky(self) -> int:
        return sum(not person.sticky for person in self.people)

    @property
    def processes(self) -> Counter:
        """How many people each process served (empty without a balancer)."""
        return Counter(next(iter(p.upstreams)) for p in self.people if len(p.upstreams) == 1)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# --- drawings ----------------------------------------------------------------------------


def plan_drawing(
    digit: int,
    strokes: int,
    rng: np.random.Generator,
    recognizer: Recognizer,
    recording: CanvasRecording,
) -> Drawing:
    """``digit`` in one of its hand-drawn styles, cut into ``strokes`` pen strokes, with the
    answer expected after each; a style the model does not read as ``digit`` once complete
    is drawn again (the load test checks the server, not the model)."""
    for _ in range(50):
        traces, brush = stroke_traces(digit, rng)
        pieces = cut(traces, strokes)
        messages, expected, so_far = [], [], []
        for piece in pieces:
            so_far += piece
            png = canvas_png(so_far, brush)
            messages.append(recording.stroke_message(png, so_far, brush))
            expected.append(read(recognizer, png))
        if expected[-1].digit == digit:
            return Drawing(digit, messages, expected)
    raise RuntimeError(f"no drawing of a {digit} was read as one")


def cut(traces: list[np.ndarray], pieces: int) -> list[list[np.ndarray]]:
    """The pen's path cut into ``pieces`` strokes of equal length, in drawing order; a stroke
    that crosses a lift of the pen is two traces."""
    lengths = [np.linalg.norm(np.diff(t, axis=0), axis=1) for t in traces]
    total = sum(float(s.sum()) for s in lengths)
    bounds = np.linspace(0, total, pieces + 1)
    result: list[list[np.ndarray]] = [[] for _ in range(pieces)]
    start = 0.0
    for trace, steps in zip(traces, lengths):
        along = start + np.concatenate([[0.0], np.cumsum(steps)])
        for k in range(pieces):
            low, high = max(bounds[k], along[0]), min(bounds[k + 1], along[-1])
            if high <= low:
                continue
            inside = (along > low) & (along < high)
            ends = [[np.interp(v, along, trace[:, i]) for i in (0, 1)] for v in (low, high)]
            points = np.vstack([ends[0], trace[inside], ends[1]])
            result[k].append(points)
        start = along[-1]
    return [piece for piece in result if piece]


def canvas_png(traces: list[np.ndarray], brush: int) -> bytes:
    """The canvas as the component sends it: white round-brush strokes on opaque black."""
    rgb = np.zeros((CANVAS, CANVAS, 3), np.uint8)
    for trace in traces:
        cv2.polylines(
            rgb, [np.round(trace).astype(np.int32)], False, (255,) * 3, brush, cv2.LINE_AA
        )
    rgba = np.dstack([rgb, np.full((CANVAS, CANVAS), 255, np.uint8)])
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return buffer.getvalue()


def read(recognizer: Recognizer, png: bytes) -> Answer:
    """What the page shows for this PNG: it reads the canvas as the decoded RGBA array."""
    result = recognizer.recognize(np.asarray(Image.open(io.BytesIO(png))))
    if not result.found:
        return Answer(None, None)
    return Answer(result.digit, result.confidence_text)


# --- one person --------------------------------------------------------------------------


class AnswerLog:
    """Matches the page's answers to the strokes they answer.

    Streamlit runs the script with the latest drawing it has when a run starts, so one run
    may answer several strokes at once and a stroke sent during a run is answered by a
    later one. A run's answer is the answer to the latest stroke sent before the run began
    whose expected answer it is; strokes it passes over are dropped. An answer that fits
    no such stroke (and is not the last answer again) is wrong.
    """

    def __init__(self, expected: list[Answer]):
        self.expected = expected
        self.sent_at: list[float | None] = [None] * len(expected)
        self.latencies_ms: dict[int, float] = {}
        self.wrong: list[str] = []
        self.last = -1
        self.all_answered = asyncio.Event()

    def sent(self, stroke: int) -> None:
        self.sent_at[stroke] = time.perf_counter()

    def finished(self, answer: Answer, run_started: float, now: float) -> None:
        candidates = [
            j
            for j in range(self.last + 1, len(self.expected))
            if (sent := self.sent_at[j]) is not None and sent < run_started
        ]
        matching = [j for j in candidates if self.expected[j] == answer]
        if matching:
            j = matching[-1]
            self.latencies_ms[j] = (now - self.sent_at[j]) * 1000
            self.last = j
            if j == len(self.expected) - 1:
                self.all_answered.set()
        elif self.last >= 0 and answer == self.expected[self.last]:
            pass  # a later run showing the same answer again
        elif self.last < 0 and not candidates and answer == Answer(None, None):
            pass  # the empty canvas on opening the page
        else:
            wanted = [self.expected[j] for j in candidates]
            self.wrong.append(f"showed {answer}, expected one of {wanted}")


@dataclass
class RunReader:
    """Follows one session's script runs in its ForwardMsgs."""

    log: AnswerLog
    errors: list[str]
    run_started: float = 0.0
    shown: dict[str, str] = field(default_factory=dict)
    image_url: str | None = None

    def feed(self, frame: bytes) -> None:
        message = ForwardMsg()
        message.ParseFromString(frame)
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.run_started, self.shown = time.perf_counter(), {}
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            shown = element.WhichOneof("type")
            if shown == "metric":
                self.shown[element.metric.label] = element.metric.body
            elif shown == "imgs" and element.imgs.imgs:
                self.image_url = element.imgs.imgs[0].url
            elif shown == "exception":
                self.errors.append(f"the page raised: {element.exception.message}")
        elif (
            kind == "script_finished"
            and message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY
        ):  # a run stopped early for the next stroke's shows nothing final
            digit = self.shown.get("Predicted digit")
            answer = Answer(None if digit is None else int(digit), self.shown.get("Confidence"))
            self.log.finished(answer, self.run_started, time.perf_counter())


def http_get(url: str, cookie: str = "") -> tuple[int, list[str], str]:
    """Status, the Set-Cookie headers and the serving process of a GET."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            headers = response.headers
            status = response.status
    except urllib.error.HTTPError as err:
        headers, status = err.headers, err.code
    return status, headers.get_all("Set-Cookie") or [], headers.get(UPSTREAM_HEADER, "")


async def person(
    url: str,
    drawings: list[Drawing],
    recording: CanvasRecording,
    rng: np.random.Generator,
    arrival_s: float = ARRIVAL_S,
    gap_s: tuple[float, float] = STROKE_GAP_S,
) -> PersonReport:
    """One person: opens the page, draws ``drawings`` one after another, one stroke every
    ``gap_s`` seconds, and checks each answer."""
    messages = [m for d in drawings for m in d.messages]
    log = AnswerLog([a for d in drawings for a in d.expected])
    report = PersonReport(strokes=len(messages))
    reader = RunReader(log, report.errors)
    await asyncio.sleep(rng.uniform(0, arrival_s))
    try:
        _, cookies, _ = await asyncio.to_thread(http_get, url + "/")
        cookie = "; ".join(c.split(";", 1)[0] for c in cookies)
        headers = {"Origin": url, **({"Cookie": cookie} if cookie else {})}
        stream = "ws" + url.removeprefix("http") + "/_stcore/stream"
        async with connect(
            stream, subprotocols=["streamlit"], additional_headers=headers, max_size=None
        ) as ws:
            report.upstreams |= {ws.response.headers.get(UPSTREAM_HEADER, "")} - {""}
            listening = asyncio.create_task(listen(ws, reader))
            await ws.send(recording.opening)
            for stroke, message in enumerate(messages):
                await asyncio.sleep(rng.uniform(*gap_s))
                log.sent(stroke)
                await ws.send(message)
            with contextlib.suppress(asyncio.TimeoutError):  # unanswered: counted as dropped
                await asyncio.wait_for(log.all_answered.wait(), ANSWER_TIMEOUT_S)
            listening.cancel()
        if reader.image_url:
            status, _, upstream = await asyncio.to_thread(http_get, url + reader.image_url, cookie)
            report.media_ok = status == 200
            report.upstreams |= {upstream} - {""}
    except Exception as err:  # one person's failure is a figure, not the end of the test
        report.errors.append(f"{type(err).__name__}: {err}")
    report.latencies_ms = list(log.latencies_ms.values())
    report.wrong = log.wrong
    return report


async def listen(ws, reader: RunReader) -> None:
    async for frame in ws:
        reader.feed(frame)


# --- a crowd -----------------------------------------------------------------------------


def plan_crowd(
    recording: CanvasRecording,
    people: int,
    digits_each: int = 1,
    strokes: int = STROKES_PER_DIGIT,
    seed: int = 0,
) -> list[list[Drawing]]:
    """Each person's drawings: people draw different digits (person i starts at digit
    i mod 10), each in its own shape; a person repeats its first few after
    ``DISTINCT_DRAWINGS``."""
    recognizer = Recognizer.load()
    rng = np.random.default_rng(seed)
    plans = []
    for i in range(people):
        distinct = [
            plan_drawing((i + k) % 10, strokes, rng, recognizer, recording)
            for k in range(min(digits_each, DISTINCT_DRAWINGS))
        ]
        plans.append([distinct[k % len(distinct)] for k in range(digits_each)])
    return plans


def run_crowd(
    url: str,
    recording: CanvasRecording,
    plans: list[list[Drawing]],
    seed: int = 0,
    gap_s: tuple[float, float] = STROKE_GAP_S,
) -> CrowdReport:
    """Everyone in ``plans`` draws at once against ``url``; bounded in time (each person
    gives up on an answer after ``ANSWER_TIMEOUT_S``)."""

    async def everyone() -> list[PersonReport]:
        rngs = np.random.default_rng(seed + 1).spawn(len(plans))
        return await asyncio.gather(
            *(person(url, p, recording, rng, gap_s=gap_s) for p, rng in zip(plans, rngs))
        )

    start = time.perf_counter()
    reports = asyncio.run(everyone())
    return CrowdReport(reports, time.perf_counter() - start)
