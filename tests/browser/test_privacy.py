"""The privacy page in a real browser against the real platform (issue 18 items 3 and 6): a person downloads
everything Paars holds about them as one zip; HR exports someone's data only with a reason (named beside the
field, in the person's language, nothing typed lost), and the person then sees who did it and why. Dutch and
English, axe, 360 px."""
from __future__ import annotations

import json
import re
import zipfile

import pytest

from paars.feedback.v1 import feedback_pb2, feedback_pb2_grpc
from tests.browser.journey import assert_accessible, sign_in

pytestmark = pytest.mark.e2e

PRAISE = "Wout, your release notes for the klantendienst were clear and early."


def fits_the_width(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _zip(download) -> dict[str, object]:
    with zipfile.ZipFile(download.path()) as z:
        return {n: (json.loads(z.read(n)) if n.endswith(".json") else z.read(n).decode()) for n in z.namelist()}


def test_a_person_downloads_their_data_and_sees_the_export_hr_made_with_its_reason(open_page, paars) -> None:
    paars.as_person("jan", "feedback", feedback_pb2_grpc.FeedbackServiceStub, "GiveFeedback", feedback_pb2.GiveFeedbackRequest(
        receiver_id="wout", kind=feedback_pb2.FEEDBACK_KIND_PRAISE, relation=feedback_pb2.RELATION_MANAGER,
        setting=feedback_pb2.FEEDBACK_SETTING_INFORMAL, text=PRAISE, visibility=2,
    ))

    # Wout, on a phone in English, finds his data and downloads it.
    wout = open_page("en", phone=True)
    sign_in(wout, "wout", next_path="/privacy")
    wout.locator("#nav-privacy").click()
    wout.wait_for_url(re.compile(r"/privacy$"))
    assert wout.locator("#no-actions").is_visible()
    assert wout.locator("#on-behalf").count() == 0
    assert_accessible(wout, "my data (en, 360 px)")
    assert fits_the_width(wout)
    with wout.expect_download() as downloading:
        wout.locator("#download-mine").click()
    mine = _zip(downloading.value)
    assert PRAISE in {f["text"] for f in mine["feedback.json"]["data"]["feedback_received"]}
    assert "What Paars holds about wout" in mine["summary.en.md"]

    # Hanne (HR), in Dutch, forgets the reason: it is named beside the field, in Dutch, her choice kept.
    hanne = open_page("nl")
    sign_in(hanne, "hanne", next_path="/privacy")
    hanne.select_option("#person_id", "wout")
    hanne.fill("#reason", "kort")
    hanne.locator("#download-for").click()
    assert hanne.locator("#reason-error").is_visible()
    assert "zeg in minstens 10 tekens waarom" in hanne.locator("#reason-error").inner_text()
    assert hanne.locator("#person_id").input_value() == "wout" and hanne.locator("#reason").input_value() == "kort"
    assert_accessible(hanne, "a refused export (nl)")
    reason = "Wout vroeg per e-mail om zijn gegevens"
    hanne.fill("#reason", reason)
    with hanne.expect_download() as downloading:
        hanne.locator("#download-for").click()
    theirs = _zip(downloading.value)
    assert PRAISE in {f["text"] for f in theirs["feedback.json"]["data"]["feedback_received"]}

    # Wout sees who exported his data, why and where.
    wout.reload()
    rows = wout.locator("#audit-list > li")
    assert rows.count() == 5  # one line per service that answered
    assert "Hanne Maes" in rows.first.inner_text() and reason in rows.first.inner_text()
    assert "Exported your data" in rows.first.inner_text()
    assert_accessible(wout, "my data with an export by HR (en, 360 px)")
    assert fits_the_width(wout)
