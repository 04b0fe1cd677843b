"""Every NotificationService use case over the in-memory unit of work (tests/unit/notifications_fakes.py):
the real commands, bus and handlers, with no database and no broker; what each reads, refuses and writes."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.domain import policy
from paars_notifications.domain.preferences import StoredPreferences
from paars_notifications.domain.subscriptions import DeadLetter, Webhook
from paars_notifications.domain.visibility import Person
from paars_notifications.service_layer import commands as c
from paars_platform.auth import Identity
from paars_platform.errors import InvalidArgument, NotFound, PermissionDenied
from tests.unit.notifications_fakes import NOW, Clock, Store, Targets, bus

ANN = Identity("ann", frozenset({"employee"}))
BOB = Identity("bob", frozenset({"employee"}))
ADMIN = Identity("root", frozenset({"admin"}))


def fields_of(err: InvalidArgument) -> list[str]:
    return [v.field for v in err.violations]


def prompt(prompt_id: str, recipient: str, cursor: int | None, *, read: bool = False) -> dict[str, Any]:
    return dict(id=prompt_id, recipient_id=recipient, cursor=cursor, read=read, title=prompt_id)


# ---------- prompts ----------


async def test_the_list_is_the_callers_released_prompts_newest_first_with_their_latest_cursor() -> None:
    store = Store(
        prompts={p["id"]: p for p in (
            prompt("a1", "ann", 1), prompt("a2", "ann", 2, read=True), prompt("a3", "ann", 3), prompt("held", "ann", None), prompt("b1", "bob", 1),
        )},
        cursors={"ann": 3, "bob": 1},
    )
    rows, latest = await bus(store).handle(c.ListPrompts(ANN))
    assert ([r["id"] for r in rows], latest) == (["a3", "a2", "a1"], 3), "not a held one, not bob's"
    rows, latest = await bus(store).handle(c.ListPrompts(ANN, unread_only=True, limit=1))
    assert ([r["id"] for r in rows], latest) == (["a3"], 3)
    assert await bus(store).handle(c.ListPrompts(Identity("new"))) == ([], 0), "someone without prompts: cursor 0"
    with pytest.raises(InvalidArgument) as refused:
        await bus(store).handle(c.ListPrompts(ANN, limit=-1))
    assert fields_of(refused.value) == ["limit"]
    assert c.ListPrompts(ANN, limit=10_000).page_size == c.MAX_LIST


async def test_marking_read_changes_only_the_callers_unread_prompts_and_says_how_many() -> None:
    store = Store(prompts={p["id"]: p for p in (prompt("a1", "ann", 1), prompt("a2", "ann", 2, read=True), prompt("b1", "bob", 1))})
    assert await bus(store).handle(c.MarkRead(ANN, prompt_ids=("a1", "a2", "b1", "nope"))) == 1
    assert [p["id"] for p in store.prompts.values() if p["read"]] == ["a1", "a2"], "bob's stays unread"
    for ids, field in (((), "prompt_ids"), (("x" * 65,), "prompt_ids"), (tuple(f"p{i}" for i in range(501)), "prompt_ids")):
        with pytest.raises(InvalidArgument) as refused:
            await bus(store).handle(c.MarkRead(ANN, prompt_ids=ids))
        assert fields_of(refused.value) == [field]
    assert store.commits == 1


# ---------- preferences ----------


def people() -> dict[str, Person]:
    return {"ann": Person("ann", "Ann", "ann@paars.example", time_zone="Europe/Brussels")}


async def test_without_stored_preferences_the_defaults_follow_the_directorys_time_zone_and_address() -> None:
    prefs = await bus(Store(people=people())).handle(c.GetPreferences(ANN))
    assert prefs == policy.DeliveryPreferences(time_zone="Europe/Brussels", email="ann@paars.example")
    assert (await bus(Store()).handle(c.GetPreferences(ANN))).time_zone == "UTC", "not in the directory either: UTC"


async def test_setting_preferences_stores_the_record_normalised_and_answers_the_effective_ones() -> None:
    store = Store(people=people())
    given = StoredPreferences(channels=(pb.CHANNEL_EMAIL, pb.CHANNEL_IN_APP, pb.CHANNEL_EMAIL), quiet_start="7:05", quiet_end="22:00", language="nl")
    forgotten: list[str] = []
    answer = await bus(store, then={c.SetPreferences: lambda command: forgotten.append(command.me)}).handle(c.SetPreferences(ANN, preferences=given))
    stored, at = store.preferences["ann"]
    assert stored == StoredPreferences(
        channels=(pb.CHANNEL_IN_APP, pb.CHANNEL_EMAIL), quiet_start="07:05", quiet_end="22:00", weekly_budget=policy.DEFAULT_WEEKLY_BUDGET, language="nl",
    )
    assert at == NOW and forgotten == ["ann"], "the cache forgets ann once it is committed"
    assert (answer.time_zone, answer.email, answer.language) == ("Europe/Brussels", "ann@paars.example", "nl")


async def test_a_mask_changes_only_the_named_fields_and_keeps_what_is_stored() -> None:
    chosen = StoredPreferences(channels=(pb.CHANNEL_IN_APP,), quiet_start="22:00", quiet_end="07:00", time_zone="Europe/Amsterdam", weekly_budget=12, language="en")
    store = Store(people=people(), preferences={"ann": (chosen, NOW)})
    await bus(store).handle(c.SetPreferences(ANN, preferences=StoredPreferences(language="nl", time_zone="Asia/Tokyo"), fields=("language",)))
    assert store.preferences["ann"][0] == dataclasses.replace(chosen, language="nl")
    await bus(store).handle(c.SetPreferences(ANN, preferences=StoredPreferences(language="en"), fields=("*",)))
    assert store.preferences["ann"][0] == StoredPreferences(channels=policy.DEFAULT_CHANNELS, weekly_budget=policy.DEFAULT_WEEKLY_BUDGET, language="en")


async def test_preferences_are_ones_own_the_mask_names_known_fields_and_the_whole_record_is_checked() -> None:
    store = Store(preferences={"ann": (StoredPreferences(language="en"), NOW)})
    with pytest.raises(PermissionDenied):
        await bus(store).handle(c.SetPreferences(ANN, employee_id="bob"))
    with pytest.raises(InvalidArgument) as refused:
        await bus(store).handle(c.SetPreferences(ANN, fields=("language", "colour")))
    assert fields_of(refused.value) == ["update_mask"]
    with pytest.raises(InvalidArgument) as refused:
        await bus(store).handle(c.SetPreferences(ANN, preferences=StoredPreferences(quiet_start="22:00"), fields=("quiet_start",)))
    assert fields_of(refused.value) == ["preferences.quiet_end"], "one end of the quiet hours alone"
    bad = StoredPreferences(channels=(99,), time_zone="Mars/Base", weekly_budget=1000, email="a@b@c", language="fr")
    with pytest.raises(InvalidArgument) as refused:
        await bus(store).handle(c.SetPreferences(ANN, preferences=bad))
    assert fields_of(refused.value) == ["preferences.channels", "preferences.time_zone", "preferences.weekly_budget", "preferences.email", "preferences.language"]
    assert store.preferences["ann"][0].language == "en" and store.commits == 0, "nothing refused is stored"


# ---------- webhooks ----------


async def test_a_webhook_is_created_after_its_target_is_checked_with_a_secret_shown_once() -> None:
    store, targets = Store(), Targets("10.0.0.1")
    forgotten: list[object] = []
    hook = await bus(store, targets=targets, then={c.CreateWebhook: forgotten.append}).handle(
        c.CreateWebhook(ANN, url="https://chat.example/hook", event_filter=("prompt.sent",)),
    )
    assert isinstance(hook, Webhook) and store.webhooks[hook.id] == hook and len(forgotten) == 1
    assert (hook.owner_id, hook.format, hook.active, hook.created_at) == ("ann", pb.WebhookSubscription.FORMAT_PAARS_JSON, True, NOW)
    assert hook.secret.startswith("whsec_") and len(hook.secret) > 30
    with pytest.raises(InvalidArgument) as refused:
        await bus(store, targets=targets).handle(c.CreateWebhook(ANN, url="http://10.0.0.1/hook"))
    assert fields_of(refused.value) == ["url"] and len(store.webhooks) == 1


async def test_a_webhook_request_is_checked_and_an_organisation_wide_one_is_for_admins() -> None:
    store, targets = Store(), Targets()
    with pytest.raises(InvalidArgument) as refused:
        await bus(store, targets=targets).handle(c.CreateWebhook(ANN, url="https://x" + "y" * 2000, event_filter=("",), format=9))
    assert fields_of(refused.value) == ["url", "event_filter", "format"]
    with pytest.raises(PermissionDenied):
        await bus(store, targets=targets).handle(c.CreateWebhook(ANN, url="https://chat.example/hook", organisation_wide=True))
    assert targets.checked == [] and store.webhooks == {}, "refused before the target is resolved"
    hook = await bus(store, targets=targets).handle(c.CreateWebhook(ADMIN, url="https://chat.example/hook", organisation_wide=True))
    assert hook.organisation_wide


def a_hook(hook_id: str, owner: str, minute: int, active: bool = True) -> Webhook:
    return Webhook(hook_id, owner, f"https://chat.example/{hook_id}", (), pb.WebhookSubscription.FORMAT_PAARS_JSON, "s", False, active, NOW + dt.timedelta(minutes=minute))


async def test_the_webhook_list_is_ones_own_active_ones_oldest_first_and_everyones_for_an_admin() -> None:
    store = Store(webhooks={h.id: h for h in (a_hook("w2", "ann", 2), a_hook("w1", "ann", 1), a_hook("w3", "bob", 3), a_hook("old", "ann", 0, active=False))})
    assert [h.id for h in await bus(store).handle(c.ListWebhooks(ANN))] == ["w1", "w2"]
    assert [h.id for h in await bus(store).handle(c.ListWebhooks(ADMIN))] == ["w1", "w2", "w3"]


def delivery(owner: str, state: str, minute: int, subscription: str | None = "w1") -> dict[str, Any]:
    return dict(
        owner_id=owner, state=state, channel=pb.CHANNEL_WEBHOOK, target="https://chat.example/w1", event_type="prompt.sent", attempts=8,
        last_error="503", finished_at=NOW + dt.timedelta(minutes=minute), subscription_id=subscription, next_attempt_at=None,
    )


async def test_deleting_a_webhook_ends_it_and_cancels_its_pending_calls_for_its_owner_or_an_admin_only() -> None:
    store = Store(webhooks={"w1": a_hook("w1", "ann", 1)}, deliveries={1: delivery("ann", "pending", 0), 2: delivery("ann", "dead", 0)})
    with pytest.raises(PermissionDenied):
        await bus(store).handle(c.DeleteWebhook(BOB, id="w1"))
    ended = await bus(store).handle(c.DeleteWebhook(ANN, id="w1"))
    assert not ended.active and not store.webhooks["w1"].active
    assert [d["state"] for d in store.deliveries.values()] == ["cancelled", "dead"]
    for missing in ("w1", "nope", "x" * 5000):
        with pytest.raises(NotFound) as not_found:
            await bus(store).handle(c.DeleteWebhook(ADMIN, id=missing))
        assert len(str(not_found.value)) < 120, "an ended, unknown or huge id: not found, echoed bounded"


# ---------- dead letters ----------


async def test_dead_letters_are_ones_own_latest_first_and_everyones_for_an_admin() -> None:
    store = Store(deliveries={1: delivery("ann", "dead", 1), 2: delivery("ann", "dead", 5), 3: delivery("bob", "dead", 3), 4: delivery("ann", "sent", 9)})
    assert [d.id for d in await bus(store).handle(c.ListDeadLetters(ANN))] == [2, 1]
    assert [d.id for d in await bus(store).handle(c.ListDeadLetters(ADMIN, limit=2))] == [2, 3]
    with pytest.raises(InvalidArgument) as refused:
        await bus(store).handle(c.ListDeadLetters(ANN, limit=-1))
    assert fields_of(refused.value) == ["limit"]


async def test_a_dead_letter_is_retried_from_the_first_attempt_by_its_owner_or_an_admin_and_wakes_the_worker() -> None:
    store = Store(deliveries={7: delivery("ann", "dead", 1), 8: delivery("ann", "sent", 1)})
    woken: list[object] = []
    retry = bus(store, Clock(NOW + dt.timedelta(hours=1)), then={c.RetryDeadLetter: woken.append})
    for bad in ("", "0", "abc", "-1", str(2**63)):
        with pytest.raises(InvalidArgument) as refused:
            await retry.handle(c.RetryDeadLetter(ANN, id=bad))
        assert fields_of(refused.value) == ["id"]
    with pytest.raises(NotFound):
        await retry.handle(c.RetryDeadLetter(ANN, id="8"))
    with pytest.raises(PermissionDenied):
        await retry.handle(c.RetryDeadLetter(BOB, id="7"))
    assert woken == [] and store.deliveries[7]["state"] == "dead"
    letter = await retry.handle(c.RetryDeadLetter(ANN, id="7"))
    assert isinstance(letter, DeadLetter) and letter.attempts == 8, "answered as it was when it died"
    assert (store.deliveries[7]["state"], store.deliveries[7]["attempts"], store.deliveries[7]["next_attempt_at"]) == ("pending", 0, NOW + dt.timedelta(hours=1))
    assert len(woken) == 1
