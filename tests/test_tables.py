"""A `Table` is written as CSV without pandas, and must read exactly as the DataFrame of the same
values does when pandas writes it: the run's files changed writer, not content.

The property checked: for any columns of the kinds a command's tables hold (numbers that round
by their column's kind or by each row's metric, whole numbers, flags, text a spreadsheet could run
as a formula, missing cells), `table_csv` of the Table and of `Table.to_frame()` give the same
text, in both CSV locales.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smmsim.scenarios.bundled import example_path
from smmsim.scenarios.exports import Exports, table_csv
from smmsim.scenarios.loader import load_scenario
from smmsim.scenarios.tables import Table, column_kind
from smmsim.simulator.frames import reputation_table
from smmsim.simulator.studies.outcome import strategy_rows
from smmsim.simulator.studies.run import run_plan

LOCALES = [Exports(), Exports(csv_locale="de")]

# Names that pick each rounding rule (count, money, rate, probability, anything else) and a long
# table's statistic columns, rounded by the row's metric.
NAMES = ["spend", "impressions", "ctr", "p_met_plan", "score", "mean", "p50"]
METRICS = ["conversions", "cpa", "ctr", "risk", "whatever"]

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
numbers = st.one_of(
    finite,
    st.floats(min_value=-1e6, max_value=1e6),
    st.sampled_from([0.0, -0.0, 0.5, 1e-7, 1e16, 1.0000000000000002e16, 12.345, math.inf]),
    st.integers(-(10**6), 10**6).map(float),  # whole values: a count column may become ints
)
text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["=SUM(A1)", "-5", "+x", "@a", "a,b", 'say "hi"', "two\nlines", ""]),
)


def column(kind: str, n: int):
    """Hypothesis values for a column of `kind`, n long, some cells missing."""
    cell = {
        "float": numbers,
        "int": st.integers(-(10**9), 10**9),
        "bool": st.booleans(),
        "text": text,
        "mixed": st.one_of(text, finite, st.integers(-5, 5), st.booleans()),
    }[kind]
    missing = st.none() if kind != "float" else st.sampled_from([None, math.nan])
    holes = kind in ("float", "text", "mixed")
    return st.lists(st.one_of(cell, missing) if holes else cell, min_size=n, max_size=n)


@st.composite
def tables(draw) -> Table:
    n = draw(st.integers(0, 8))
    columns = {}
    if draw(st.booleans()):  # a long table: one metric per row
        columns["metric"] = draw(st.lists(st.sampled_from(METRICS), min_size=n, max_size=n))
    for name in draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True)):
        kind = draw(st.sampled_from(["float", "float", "int", "bool", "text", "mixed"]))
        columns[name] = draw(column(kind, n))
    return Table(columns)


@settings(max_examples=300, deadline=None)
@given(tables())
def test_a_table_is_written_as_pandas_writes_its_frame(table):
    frame = table.to_frame()
    for exports in LOCALES:
        assert table_csv(table, exports) == table_csv(frame, exports)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([1.5, None], "float"),
        ([1, None], "float"),  # pandas: a missing whole number makes the column float
        ([1, 2], "int"),
        ([True, False], "bool"),
        ([True, None], "text"),  # object
        (["a", None], "text"),
        ([1, "a"], "text"),
        ([None, None], "text"),
        ([math.nan], "float"),
    ],
)
def test_column_kinds_are_what_pandas_infers(values, kind):
    assert column_kind(values) == kind
    dtype = pd.DataFrame({"c": values})["c"].dtype
    expected = {"float": "float64", "int": "int64", "bool": "bool"}.get(kind)
    if expected is None:
        assert pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
    else:
        assert str(dtype) == expected


def test_rows_become_the_frame_pandas_makes_of_them():
    rows = [{"a": 1, "b": "x"}, {"c": 2.5, "a": None}, {"b": None, "d": True}]
    made = Table.from_rows(rows).to_frame()
    pd.testing.assert_frame_equal(made, pd.DataFrame(rows))


def test_columns_broadcast_scalars_and_concatenate():
    first = Table.from_columns({"day": np.array([1, 2]), "stat": "mean", "x": [0.5, 1.5]})
    second = Table.from_columns({"day": np.array([1, 2]), "stat": "p5", "x": [0.1, 0.2]})
    both = Table.concat([first, second]).with_column("seed", 7, position=0)
    assert list(both.columns) == ["seed", "day", "stat", "x"]
    assert both.columns["stat"] == ["mean", "mean", "p5", "p5"]
    assert both.columns["seed"] == [7] * 4
    assert type(both.columns["day"][0]) is int  # numpy numbers become Python ones


@pytest.fixture(scope="module")
def run():
    scenario = load_scenario(example_path("reputation-steady"))
    return run_plan(scenario, replications=300, seed=5, workers=1)


def test_a_runs_tables_are_its_frames(run):
    """Each CSV of a real run, written from its Table, is what its DataFrame gave."""
    pairs = {
        "summary": (run.summary_table(), run.to_frame()),
        "monthly": (run.monthly_table(), run.monthly_frame()),
        "daily": (run.daily_table(), run.daily()),
        "reputation": (reputation_table(run.simulation), None),
        "strategy": (Table.from_rows(strategy_rows(run.strategy)), None),
    }
    for name, (table, frame) in pairs.items():
        assert len(table) > 0, name
        frame = table.to_frame() if frame is None else frame
        for exports in LOCALES:
            assert table_csv(table, exports) == table_csv(frame, exports), name


def test_a_comparisons_tables_are_its_frames():
    import smmsim

    found = smmsim.compare(
        smmsim.example("kids-shop"), smmsim.example("sports-nutrition"), reps=200, workers=1
    )
    pairs = [
        (found.comparison_table(), found.to_frame()),
        (found.differences_table(), found.differences_frame()),
    ]
    for table, frame in pairs:
        assert len(table) > 0
        for exports in LOCALES:
            assert table_csv(table, exports) == table_csv(frame, exports)


def test_a_sizing_sweeps_table_is_its_frame():
    import smmsim

    sizing = smmsim.size_test(
        smmsim.example("kids-shop"), budgets=[200, 400], durations=[14], reps=100, workers=1
    )
    table = sizing.sizing_table()
    assert len(table) == 2
    for exports in LOCALES:
        assert table_csv(table, exports) == table_csv(sizing.to_frame(), exports)


def test_an_optimisations_tables_are_written_as_their_frames(tmp_path):
    import smmsim
    from smmsim.simulator.reports.optimiser_files import allocation_table, trials_table

    found = smmsim.optimise(
        smmsim.example("kids-shop"),
        trials=4,
        reps=50,
        workers=1,
        storage=f"sqlite:///{tmp_path / 'study.db'}",
    )
    for table in (trials_table(found), allocation_table(found)):
        assert len(table) > 0
        for exports in LOCALES:
            assert table_csv(table, exports) == table_csv(table.to_frame(), exports)
