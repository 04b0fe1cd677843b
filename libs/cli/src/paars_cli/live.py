"""The live view of `make run`: what flows through Paars (events, demo activity, prompts, insights)."""
from __future__ import annotations

import asyncio
import collections
import datetime as dt
import sys
from typing import Any

import grpc
from aiokafka import AIOKafkaConsumer
from rich.console import Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from paars.common.v1 import event_pb2
from paars_platform.config import Settings
from paars_platform.events import UndecodableEvent, decode
from paars_platform.keyring import KeyRing, KeysUnavailable, RemoteKeySource
from paars_platform.topics import TOPICS

PANELS = ("events", "demo", "prompts", "insights")


def _enum(message: Any, field: str) -> str:
    descriptor = message.DESCRIPTOR.fields_by_name[field].enum_type
    value = getattr(message, field)
    name = descriptor.values_by_number[value].name if value in descriptor.values_by_number else str(value)
    prefix = descriptor.values_by_number[0].name.removesuffix("UNSPECIFIED")
    return name.removeprefix(prefix).lower().replace("_", " ")


def describe(event: Any, names: dict[str, str]) -> tuple[str, str]:
    """(panel, one line) for an event; only what its visibility lets anyone in the room see."""
    kind = event.DESCRIPTOR.name
    who = names.get(event.metadata.subject_id, event.metadata.subject_id)
    if event.metadata.visibility == event_pb2.VISIBILITY_HR_ONLY:
        # Confidential by design: not even the name shows in a shared view.
        return "events", f"{kind}: confidential (HR and the person only)"
    if kind == "GoalUpdated":
        changes = ",".join(type(event).Change.Name(c).removeprefix("CHANGE_").lower() for c in event.changes)
        milestone = f" milestone {event.milestone_percent}%" if event.milestone_percent else ""
        return "events", f"goal {changes}: '{event.goal.title}' ({who}) {event.goal.progress:.0%}{milestone}"
    if kind == "EmployeeChanged":
        return "events", f"directory {_enum(event, 'change')}: {event.employee.name}"
    if kind == "TeamChanged":
        return "events", f"directory: team {event.team.name}"
    if kind == "InsightDetected":
        return "insights", f"{who}: {event.insight.reason}"
    if kind == "PromptSent":
        return "events", f"prompt sent to {names.get(event.recipient_id, event.recipient_id)} ({_enum(event, 'kind')})"
    if kind == "FeedbackGiven":
        example = "with example" if event.has_example else "no example"
        return "events", f"feedback {_enum(event, 'kind')} for {who} from a {_enum(event, 'relation')} ({example})"
    if kind == "FeedbackRequested":
        return "events", f"{names.get(event.requester_id, event.requester_id)} sought feedback ({_enum(event, 'state')})"
    if kind == "FeedbackAcknowledged":
        plan = " and turned it into an action" if event.action_item_created else ""
        return "events", f"{who} acknowledged feedback{plan}"
    if kind == "DialogueUpdated":
        waiting = f", waiting for {', '.join(names.get(w, w) for w in event.waiting_for)}" if event.waiting_for else ""
        return "events", f"purple dialogue ({_enum(event, 'kind')}) with {who}: {_enum(event, 'state')}{waiting}"
    if kind == "ReviewUpdated":
        return "events", f"360 review of {who}: {_enum(event, 'change')} ({event.responses_received} responses)"
    if kind == "ActionItemUpdated":
        return "events", f"action plan of {who}: {_enum(event, 'kind')} {_enum(event, 'state')} {event.progress_percent}%"
    if kind == "SelfAssessmentSubmitted":
        return "events", f"{who} reflected on themselves ({len(event.ratings)} competencies)"
    if kind == "PromptActed":
        return "events", f"{names.get(event.recipient_id, event.recipient_id)} acted on a prompt ({_enum(event, 'kind')}) after {event.seconds_to_act:.0f}s"
    return "events", f"{kind} about {who}"


class LiveView:
    def __init__(self, names: dict[str, str], plain: bool, services: dict[str, int]) -> None:
        self.names = names
        self.plain = plain
        self.services = services
        self.lines: dict[str, collections.deque[str]] = {p: collections.deque(maxlen=12) for p in PANELS}
        self.counts: collections.Counter[str] = collections.Counter()

    def add(self, panel: str, line: str) -> None:
        stamp = dt.datetime.now().strftime("%H:%M:%S")
        self.lines[panel].appendleft(f"{stamp} {line}")
        if self.plain:
            print(f"[{panel}] {line}", flush=True)

    def render(self) -> Group:
        header = Table.grid(padding=(0, 2))
        header.add_row(*(f"[bold magenta]{name}[/] :{port}" for name, port in self.services.items()), f"events seen: {sum(self.counts.values())}")
        grid = Table.grid(expand=True)
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        panel = lambda p, title, style: Panel("\n".join(self.lines[p]) or "…", title=title, border_style=style)  # noqa: E731
        grid.add_row(panel("events", "What flows (Kafka)", "magenta"), panel("demo", "The organisation at work", "blue"))
        grid.add_row(panel("prompts", "Immediate-feedback prompts", "green"), panel("insights", "Insights: worth a conversation now", "yellow"))
        return Group(Panel(header, title="Paars, running locally (Ctrl-C stops)", border_style="magenta"), grid)

    async def show(self, stop: asyncio.Event) -> None:
        if self.plain or not sys.stdout.isatty():
            self.plain = True
            await stop.wait()
            return
        with Live(self.render(), refresh_per_second=4, screen=False) as live:
            while not stop.is_set():
                live.update(self.render())
                try:
                    await asyncio.wait_for(stop.wait(), timeout=0.25)
                except TimeoutError:
                    pass


async def tail_events(bootstrap: str, view: LiveView, stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(
        *(t.name for t in TOPICS), bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest", enable_auto_commit=False, fetch_max_wait_ms=50
    )
    await consumer.start()
    # Names and words travel encrypted (crypto-shredding): the view decrypts them with goals' keys, as a service does.
    keys = RemoteKeySource.from_settings(Settings.from_env("cli"))
    keyring = KeyRing(keys)
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=250)
            for records in batches.values():
                for record in records:
                    view.counts[record.topic] += 1
                    if record.topic.endswith("dead-letter.v1"):
                        view.add("events", f"dead letter on {record.topic}")
                        continue
                    try:
                        event = decode(record.value, record.headers)
                        try:
                            await keyring.decrypt_events([event])
                        except KeysUnavailable:
                            pass  # shown as it travels until goals answers
                        panel, line = describe(event, view.names)
                    except UndecodableEvent as exc:
                        panel, line = "events", f"undecodable record on {record.topic}: {exc}"
                    except Exception as exc:  # a view must never stop showing because of one odd event
                        panel, line = "events", f"{record.topic}: {exc!r}"
                    view.add(panel, line)
    finally:
        await consumer.stop()
        await keys.close()


async def watch_prompts(people: list[str], auth: Any, address: str, view: LiveView, stop: asyncio.Event) -> None:
    """Follows every demo person's in-app prompt stream (when the notifications service runs)."""
    from paars.notifications.v1 import notifications_pb2, notifications_pb2_grpc

    async def follow(person: str, channel: grpc.aio.Channel) -> None:
        stub = notifications_pb2_grpc.NotificationServiceStub(channel)
        cursor = 0
        while not stop.is_set():
            try:
                async for prompt in stub.Subscribe(notifications_pb2.SubscribeRequest(after_cursor=cursor), metadata=auth(person)):
                    cursor = prompt.cursor
                    view.add("prompts", f"→ {view.names.get(person, person)}: {prompt.title}")
            except grpc.aio.AioRpcError:
                await asyncio.sleep(1.0)

    async with grpc.aio.insecure_channel(address) as channel:
        tasks = [asyncio.create_task(follow(p, channel)) for p in people]
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
