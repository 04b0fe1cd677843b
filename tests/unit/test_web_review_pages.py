"""The review section's own logic, without a browser: the gap chart's figures, the competencies a 360 asks, and
the service's refusals in the person's language beside the field they name."""
from __future__ import annotations

import grpc
import pytest

from paars.feedback.v1 import feedback_pb2 as fb
from paars_web import i18n, review_pages
from paars_web.app import templates
from tests.unit.test_web_app import bad_request


def test_scores_spread_over_the_chart_and_stay_inside_it() -> None:
    assert review_pages.score_x(1) == review_pages.CHART_LEFT and review_pages.score_x(5) == review_pages.CHART_RIGHT
    assert review_pages.score_x(3) == (review_pages.CHART_LEFT + review_pages.CHART_RIGHT) / 2
    assert review_pages.score_x(0) == review_pages.CHART_LEFT and review_pages.score_x(9) == review_pages.CHART_RIGHT


def test_a_gap_row_has_no_mark_where_a_score_is_missing_and_names_the_groups_behind_the_average() -> None:
    report = fb.GapReport(gaps=[
        fb.CompetencyGap(competency="Samenwerken", self_score=5, others_average=3.5, gap=1.5, others_by_group={"RATER_GROUP_PEERS": 3.25, "RATER_GROUP_MANAGER": 4}),
        fb.CompetencyGap(competency="Eigenaarschap", self_score=2, conversation_starter="Not enough answers from others yet to compare (anonymity comes first)."),
    ])
    first, second = review_pages.gap_rows(report)
    assert (first.self_score, first.others, first.gap) == (5, 3.5, 1.5)
    assert first.by_group == ((fb.RATER_GROUP_MANAGER, 4), (fb.RATER_GROUP_PEERS, 3.25))
    assert second.others is None and second.others_x is None and second.gap is None and second.self_x is not None
    assert second.y - first.y == review_pages.ROW_HEIGHT


def test_the_chart_renders_as_an_image_with_its_table_in_the_readers_language() -> None:
    env = templates()
    rows = review_pages.gap_rows(fb.GapReport(gaps=[fb.CompetencyGap(competency="Samenwerken", self_score=4, others_average=3, gap=1,
                                                                     conversation_starter="You rate yourself higher than others do: which moments might others have seen differently?")]))
    dutch = i18n.load_catalogues()["nl"]
    macro = env.get_template("review_macros.html").make_module({"_": dutch.gettext, "gettext": dutch.gettext, "ngettext": dutch.ngettext}).gap_chart
    html = str(macro(rows, review_pages.chart_height(rows), review_pages.Labels, review_pages.Chart))
    assert 'role="img"' in html and "<table" in html and "geen oordeel" in html
    assert "Je scoort jezelf hoger dan anderen doen" in html and "+1.0" in html


def test_competencies_are_read_one_a_line() -> None:
    asked = review_pages._questions("Samenwerken: Hoe werkt ze samen?\n\nEigenaarschap\n")
    assert [(q.competency, q.question) for q in asked] == [("Samenwerken", "Hoe werkt ze samen?"), ("Eigenaarschap", "Eigenaarschap")]


@pytest.mark.parametrize("language, expected", [("nl", "kies een score van 1 tot 5"), ("en", "must be between 1 and 5")])
def test_a_refused_score_is_named_beside_its_field_in_the_persons_language(language: str, expected: str) -> None:
    catalogue = i18n.load_catalogues()[language]

    class FakeWeb:
        def gettext(self, request: object) -> object:
            return catalogue.gettext

    refusal = bad_request(("ratings[1].score", "must be between 1 and 5"), ("comment", "something new"))
    errors = review_pages.refused(FakeWeb(), object(), refusal, {"ratings[1].score": "score_1"})  # type: ignore[arg-type]
    assert errors.fields == {"score_1": expected}
    assert len(errors.general) == 1 and "something new" in errors.general[0], "what names no field of the form goes to the summary"


def test_not_yours_is_left_to_the_app_as_a_page_that_is_not_there() -> None:
    denied = grpc.aio.AioRpcError(grpc.StatusCode.PERMISSION_DENIED, grpc.aio.Metadata(), grpc.aio.Metadata(), "only the two people")
    with pytest.raises(grpc.aio.AioRpcError):
        review_pages.refused(object(), object(), denied, {})  # type: ignore[arg-type]
