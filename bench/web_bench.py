"""Web app server time: the Now page, giving feedback and the manager's team page at 50 concurrent signed-in sessions, each against a static file of the same server.

Standalone: starts the stack as `paars run` does (embedded broker, goals, feedback, notifications, analytics as
service processes on SQLite, the web app with the development sign-in), loads the demo directory, signs in 50
browser sessions (httpx clients with their own cookie jars), each sending a request a second (`--interval`), in
phases of `--seconds` each: GET / (its gRPC calls made concurrently), POST /feedback/give (praise; a CSRF token
per session), GET /team by 50 sessions of the demo's managers (its roll-up, cards, insights and calibration
calls to analytics made concurrently) and GET /static/paars.css (the floor: the same server, middleware and
event loop, no gRPC). Server time is the web app's own Server-Timing header (until the response starts), so the
load generator's time is not counted. `--phases` runs some of them (the static floor always). Writes
bench/results/web.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import random
import re
import statistics
import sys
import tempfile
import time
from typing import Any

import httpx

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from paars_cli import demo_org
from paars_cli.client import metadata
from paars_cli.stack import Stack

REPO = pathlib.Path(__file__).resolve().parent.parent
RESULT = REPO / "bench" / "results" / "web.json"
PORT_OFFSET = 340
SERVICES = ("goals", "feedback", "notifications", "analytics")
TIMING = re.compile(r"app;dur=([0-9.]+)")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def server_ms(answer: httpx.Response) -> float:
    match = TIMING.search(answer.headers.get("server-timing", ""))
    if match is None:
        raise RuntimeError(f"{answer.request.url} answered without Server-Timing ({answer.status_code})")
    return float(match.group(1))


async def sign_in(base: str, person: str) -> tuple[httpx.AsyncClient, str]:
    browser = httpx.AsyncClient(base_url=base, timeout=30.0, headers={"accept-language": "nl"})
    page = await browser.get("/signin/dev")
    token = CSRF.search(page.text)
    assert token, page.text[:300]
    await browser.post("/signin/dev", data={"person_id": person, "csrf_token": token.group(1)})
    form = await browser.get("/feedback/give")
    token = CSRF.search(form.text)
    assert token, "not signed in"
    return browser, token.group(1)


async def phase(sessions: list[tuple[httpx.AsyncClient, str, str]], seconds: float, interval: float, request: Any) -> dict[str, Any]:
    """Every session sends a request every `interval` seconds (a person clicking about once a second, not a
    tight loop) for `seconds`, after one second of warm-up; a session whose answer came late sends the next at once."""
    times: list[float] = []
    errors = 0
    started = time.monotonic()
    warm_until = started + 1.0
    end = warm_until + seconds

    async def worker(i: int, session: tuple[httpx.AsyncClient, str, str]) -> None:
        nonlocal errors
        next_at = started + interval * i / len(sessions)
        while next_at < end:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            answer = await request(session)
            if answer.status_code >= 400:
                errors += 1
            elif time.monotonic() > warm_until:
                times.append(server_ms(answer))
            next_at += interval

    await asyncio.gather(*(worker(i, s) for i, s in enumerate(sessions)))
    return {
        "requests": len(times), "errors": errors, "p50_ms": round(statistics.median(times), 2) if times else 0.0,
        "p99_ms": round(percentile(times, 0.99), 2), "per_s": round(len(times) / seconds, 1),
    }


# The demo's managers (a team of their own each): the team page's sessions.
MANAGERS = ("jan", "sofie", "els")
PHASES = ("now", "give", "team")


async def measure(base: str, sessions_wanted: int, seconds: float, interval: float, phases: tuple[str, ...] = PHASES) -> dict[str, Any]:
    people = [p[0] for p in demo_org.PEOPLE]
    signed = await asyncio.gather(*(sign_in(base, people[i % len(people)]) for i in range(sessions_wanted)))
    sessions = [(browser, token, people[i % len(people)]) for i, (browser, token) in enumerate(signed)]
    managers: list[tuple[httpx.AsyncClient, str, str]] = []
    if "team" in phases:
        led = await asyncio.gather(*(sign_in(base, MANAGERS[i % len(MANAGERS)]) for i in range(sessions_wanted)))
        managers = [(browser, token, MANAGERS[i % len(MANAGERS)]) for i, (browser, token) in enumerate(led)]
    rng = random.Random(7)

    async def now(session: tuple[httpx.AsyncClient, str, str]) -> httpx.Response:
        return await session[0].get("/")

    async def give(session: tuple[httpx.AsyncClient, str, str]) -> httpx.Response:
        browser, token, me = session
        receiver = rng.choice([p for p in people if p != me])
        return await browser.post("/feedback/give", data={
            "csrf_token": token, "receiver_id": receiver, "relation": "peer", "kind": "praise", "visibility": "public",
            "text": "Sterk gedaan vandaag: helder en rustig uitgelegd.",
        })

    async def static(session: tuple[httpx.AsyncClient, str, str]) -> httpx.Response:
        return await session[0].get("/static/paars.css")

    async def team(session: tuple[httpx.AsyncClient, str, str]) -> httpx.Response:
        return await session[0].get("/team")

    cases = [("static", sessions, static)] + [(name, who, call) for name, who, call in (
        ("now", sessions, now), ("give", sessions, give), ("team", managers, team)) if name in phases]
    try:
        result = {name: await phase(who, seconds, interval, call) for name, who, call in cases}
    finally:
        await asyncio.gather(*(s[0].aclose() for s in sessions + managers))
    floor = result["static"]
    for name in (n for n, _w, _c in cases if n != "static"):
        result[name]["p50_ratio"] = round(result[name]["p50_ms"] / floor["p50_ms"], 1) if floor["p50_ms"] else None
        result[name]["p99_ratio"] = round(result[name]["p99_ms"] / floor["p99_ms"], 1) if floor["p99_ms"] else None
    return result


async def load_directory(stack: Stack) -> None:
    """The demo directory into goals, then until feedback and notifications know everyone (their projections
    follow the directory's events, and they refuse a person they do not know yet)."""
    import grpc

    from paars.analytics.v1 import analytics_pb2, analytics_pb2_grpc
    from paars.feedback.v1 import feedback_pb2, feedback_pb2_grpc
    from paars.notifications.v1 import notifications_pb2, notifications_pb2_grpc
    from paars.org.v1 import org_pb2_grpc

    last = demo_org.PEOPLE[-1][0]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.grpc_port('goals')}") as channel:
        await org_pb2_grpc.OrgServiceStub(channel).ImportDirectory(demo_org.directory(), metadata=metadata("hris", ["system"]), timeout=30)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.grpc_port('feedback')}") as fb_channel, \
            grpc.aio.insecure_channel(f"127.0.0.1:{stack.grpc_port('notifications')}") as nt_channel, \
            grpc.aio.insecure_channel(f"127.0.0.1:{stack.grpc_port('analytics')}") as an_channel:
        feedback = feedback_pb2_grpc.FeedbackServiceStub(fb_channel)
        notifications = notifications_pb2_grpc.NotificationServiceStub(nt_channel)
        analytics = analytics_pb2_grpc.AnalyticsServiceStub(an_channel)
        deadline = time.monotonic() + 60
        while True:
            try:
                await feedback.ListFeedbackRequests(feedback_pb2.ListFeedbackRequestsRequest(recipient_id=last), metadata=metadata(last), timeout=5)
                await notifications.ListPrompts(notifications_pb2.ListPromptsRequest(limit=1), metadata=metadata(last), timeout=5)
                # The team page's reads: analytics knows the managers and their teams.
                await analytics.GetTeamRollup(analytics_pb2.GetTeamRollupRequest(team_id="product"), metadata=metadata("jan"), timeout=5)
                return
            except grpc.aio.AioRpcError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between one session's requests")
    parser.add_argument("--phases", default=",".join(PHASES), help=f"which of {', '.join(PHASES)} to measure, comma-separated (the static floor always)")
    parser.add_argument("--out", type=pathlib.Path, default=RESULT, help="where to write the figures (a trial run elsewhere keeps the committed ones)")
    parser.add_argument("--keep-logs", type=pathlib.Path, default=None, help="run the stack in this directory and keep its logs")
    args = parser.parse_args()
    phases = tuple(p for p in args.phases.split(",") if p in PHASES)
    # 50 sessions each giving feedback every second is faster than any person; the per-giver limit
    # (which answers RESOURCE_EXHAUSTED) is not what this case measures.
    os.environ.setdefault("PAARS_FEEDBACK_GIVE_LIMITS", "1000000/60")
    with tempfile.TemporaryDirectory(prefix="paars-web-bench-") as tmp:
        stack = Stack(data_dir=args.keep_logs or pathlib.Path(tmp), port_offset=PORT_OFFSET, services=SERVICES, web=True)
        stack.start()
        try:
            asyncio.run(load_directory(stack))
            figures = asyncio.run(measure(stack.web_url, args.sessions, args.seconds, args.interval, phases))
        finally:
            stack.stop()
    figures.update(sessions=args.sessions, seconds_per_phase=args.seconds, interval_s=args.interval, services=[*SERVICES, "web"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
