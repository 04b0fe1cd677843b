"""`paars events tail <topic>`: decode Paars events (protobuf -> JSON) from a topic, with their CloudEvents headers."""
from __future__ import annotations

import asyncio
import json

import typer
from aiokafka import AIOKafkaConsumer
from google.protobuf import json_format

from paars_platform.config import Settings
from paars_platform.events import UndecodableEvent, decode, header
from paars_platform.keyring import KeyRing, RemoteKeySource
from paars_platform.topics import TOPICS

app = typer.Typer(no_args_is_help=True, help="Paars events on Kafka.")


@app.command("list")
def list_topics() -> None:
    """The topics Paars uses."""
    for t in TOPICS:
        typer.echo(f"{t.name:42} key={t.key:22} {t.message_type or '(raw records)'}")


@app.command()
def tail(
    topic: str = typer.Argument(..., help="e.g. goals.goal-updated.v1"),
    from_beginning: bool = typer.Option(False, "--from-beginning"),
    limit: int = typer.Option(0, help="Stop after this many records (0: follow)."),
    bootstrap: str = typer.Option("", help="Broker (default PAARS_KAFKA_BOOTSTRAP or 127.0.0.1:9092)."),
    decrypt: bool = typer.Option(
        False, "--decrypt", help="Decrypt personal fields with goals' person keys (needs the system identity); else they show as they travel, pc1:...",
    ),
) -> None:
    """Print each record as one JSON line: headers and the decoded event."""
    settings = Settings.from_env("cli")
    keyring = KeyRing(RemoteKeySource.from_settings(settings)) if decrypt else None
    asyncio.run(_tail(topic, from_beginning, limit, bootstrap or settings.kafka_bootstrap, settings.kafka_security.aiokafka(), keyring))


async def _tail(topic: str, from_beginning: bool, limit: int, bootstrap: str, security: dict[str, object], keyring: KeyRing | None = None) -> None:
    # PAARS_KAFKA_* as for the services: in production, tail as the read-only paars-internal-reader.
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False, **security,
    )
    await consumer.start()
    seen = 0
    try:
        async for record in consumer:
            headers = {k: (v or b"").decode(errors="replace") for k, v in record.headers or ()}
            line: dict[str, object] = {"topic": record.topic, "partition": record.partition, "offset": record.offset, "key": (record.key or b"").decode(errors="replace"), "headers": headers}
            try:
                event = decode(record.value, record.headers)
                if keyring is not None:
                    await keyring.decrypt_events([event])
                line["event"] = json_format.MessageToDict(event, preserving_proto_field_name=True)
            except UndecodableEvent as exc:
                line["undecodable"] = str(exc)
                line["reason"] = header(record.headers, "dlq_reason")
            typer.echo(json.dumps(line, ensure_ascii=False))
            seen += 1
            if limit and seen >= limit:
                return
    finally:
        await consumer.stop()
