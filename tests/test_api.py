"""The Python API: every documented example runs, results match the CLI's JSON, plan edits are
validated like files, and an installed copy holds only `smmsim`."""

from __future__ import annotations

import doctest
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import smmsim
from smmsim import api
from smmsim.cli import main
from smmsim.scenarios.errors import ScenarioError, SmmsimError

ROOT = Path(__file__).resolve().parents[1]
KIDS = "scenarios/examples/kids-shop.yaml"


def test_every_documented_example_runs(tmp_path, monkeypatch):
    # The docstrings are the API's manual: each example must run and print what it says.
    monkeypatch.chdir(ROOT)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for t in finder.find(api, globs={"smmsim": smmsim, "tmp": tmp_path}) if t.examples]
    assert len(tests) >= 9  # the module and every function
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_simulate_answers_as_run_does(tmp_path):
    # One definition of every number: the API's document is the CLI's, byte for byte.
    out = tmp_path / "run"
    args = ["run", KIDS, "--reps", "120", "--seed", "3", "--workers", "1", "--out", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    run = smmsim.simulate(smmsim.load(KIDS), reps=120, seed=3, workers=1)
    assert run.to_json() == (out / "result.json").read_text(encoding="utf-8")


def test_the_frames_hold_the_documents_numbers():
    run = smmsim.simulate(KIDS, reps=100, seed=2, workers=1)
    frame = run.to_frame()
    total = frame[(frame["level"] == "total") & (frame["metric"] == "spend")]["mean"].item()
    assert total == pytest.approx(run.totals["spend"].mean)
    assert run.by_platform().loc["facebook", "cpa"] == pytest.approx(
        run.platforms["facebook"]["cpa"].mean
    )
    daily = run.daily()
    # Spend never exceeds the budget: the daily means add up to at most the campaign's budget.
    assert daily[daily["stat"] == "mean"]["spend"].sum() <= run.budget + 1e-6


def test_a_plan_change_is_validated_like_a_file():
    plan = smmsim.load(KIDS)
    cheaper = plan.replace("platforms.facebook.tools.paid_ads.budget_share", 0.3)
    facebook = next(p for p in cheaper.scenario.platforms if p.name == "facebook")
    assert facebook.tools[0].budget_share == 0.3
    assert plan.scenario.platforms[0].tools[0].budget_share == 0.45  # the original is unchanged
    with pytest.raises(ScenarioError, match=r"campaign\.budget.*-5"):
        plan.replace("campaign.budget", -5)


def test_a_path_to_nowhere_names_the_items_there():
    with pytest.raises(ScenarioError, match=r"platforms\.myspace: no item 'myspace'.*facebook"):
        smmsim.load(KIDS).replace("platforms.myspace.audience", 1000)


def test_import_smmsim_stays_light():
    # The CLI imports the package first: its help must not wait for pandas, plotly or optuna.
    code = "import smmsim, sys; print(sorted({'pandas', 'plotly', 'optuna'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Built from a copy: an in-tree build would leave build/ and egg-info in the checkout.
    folder = tmp_path_factory.mktemp("wheel")
    skip = shutil.ignore_patterns(".*", "build", "out", "*.egg-info", "__pycache__")
    source = folder / "source"
    shutil.copytree(ROOT, source, ignore=skip)
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    subprocess.run([*build, "-w", str(folder), str(source)], check=True, capture_output=True)
    return next(folder.glob("smmsim-*.whl"))


def test_the_wheel_installs_one_name(wheel):
    with zipfile.ZipFile(wheel) as z:
        tops = {name.split("/")[0] for name in z.namelist()}
        (top_level,) = [n for n in z.namelist() if n.endswith(".dist-info/top_level.txt")]
        assert z.read(top_level).decode().split() == ["smmsim"]
    assert {t for t in tops if not t.endswith(".dist-info")} == {"smmsim"}


def test_the_wheel_holds_every_module_and_example(wheel):
    """A folder of modules left out of pyproject's `packages` installs without them from a
    wheel (an editable install still finds them): `smmsim brief` and `smmsim track` once did."""
    modules = {
        "smmsim/" + p.relative_to(ROOT).as_posix()
        for folder in ("simulator", "scenarios", "calibration")
        for p in (ROOT / folder).rglob("*.py")
        if "__pycache__" not in p.parts
    } | {f"smmsim/{p.name}" for p in ROOT.glob("*.py")}
    examples = {
        f"smmsim/{p.relative_to(ROOT).as_posix()}"
        for folder in ("scenarios/examples", "calibration/examples")
        for p in (ROOT / folder).iterdir()
        if p.suffix in (".yaml", ".csv", ".md")
    }
    with zipfile.ZipFile(wheel) as z:
        shipped = set(z.namelist())
    assert modules - shipped == set()
    assert examples and examples - shipped == set()


def test_an_installed_copy_works_from_anywhere(wheel, tmp_path):
    # Installed beside nothing else of ours: `import smmsim` works, the old names do not, and the
    # bundled examples are found through the package.
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target)]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True)
    code = (
        "import importlib.util, smmsim\n"
        f"assert smmsim.__file__.startswith({str(target)!r}), smmsim.__file__\n"
        "assert importlib.util.find_spec('simulator') is None\n"
        "r = smmsim.simulate(smmsim.load(smmsim.example('kids-shop')), reps=50, workers=1)\n"
        "print(r.to_frame().shape[0] > 0)\n"
    )
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_the_readmes_python_example_runs(tmp_path, monkeypatch):
    # The README's example is what a newcomer types first: it must run as written.
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API") :]
    code = section[section.index("```python\n") + 10 :]
    code = code[: code.index("```")]
    monkeypatch.chdir(tmp_path)
    for name in ("calibration",):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "out").mkdir()
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})


def test_an_unknown_baseline_names_the_likely_one_before_simulating():
    # The API and `compare --baseline` share one rule, and the mistake costs no simulation.
    expected = r"baseline: no combination 'kids-shop:sprad' \(did you mean 'kids-shop:spread'"
    with pytest.raises(SmmsimError, match=expected):
        smmsim.compare(KIDS, strategies=["spread", "oracle"], baseline="kids-shop:sprad", reps=10)


def test_optimise_keeps_the_notebook_quiet_and_the_callers_log_level(tmp_path, capfd):
    """A notebook gets the result, not Optuna's line per trial; a caller who set Optuna's
    verbosity finds it as it was."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.INFO)
    found = smmsim.optimise(
        smmsim.example("kids-shop"),
        trials=2,
        reps=20,
        final_reps=40,
        storage=f"sqlite:///{tmp_path}/study.db",
        workers=1,
    )
    assert len(found.to_frame()) == 2
    assert "Trial 0 finished" not in capfd.readouterr().err
    assert optuna.logging.get_verbosity() == optuna.logging.INFO
