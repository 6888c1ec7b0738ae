"""report.html's reputation and backlash section: the day-by-day backlash chart only when some
replication had an event or paid a repair; a plan without any says so in a sentence instead of
drawing a flat zero chart."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from smmsim.cli import main
from smmsim.simulator.reports.run_page import NO_BACKLASH
from tests.demo_reports import EXAMPLES
from tests.test_report import Page

CHART_TITLE = "Backlash: events and repair spend, day by day"


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, str]:
    """report.html of a plan whose tactics stay within their safe levels (kids-shop) and of one
    that pushes seeding hard (reputation-rush), 60 replications each."""
    out = tmp_path_factory.mktemp("backlash")
    found = {}
    for name in ("kids-shop", "reputation-rush"):
        args = ["run", str(EXAMPLES / f"{name}.yaml"), "--reps", "60", "--out", str(out / name)]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        found[name] = (out / name / "report.html").read_text(encoding="utf-8")
    return found


def test_no_backlash_is_a_sentence_not_an_all_zero_chart(pages):
    page = pages["kids-shop"]
    text = Page(page).text
    assert "Reputation and backlash" in text  # the plan was assessed: the section stays
    assert CHART_TITLE not in page
    assert "No backlash event in any replication" in text


def test_a_plan_with_backlash_keeps_its_chart(pages):
    page = pages["reputation-rush"]
    assert CHART_TITLE in page
    assert NO_BACKLASH not in page
