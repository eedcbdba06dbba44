"""`studio-cli evaluate`, `compare` and `runs`, in-process against the emulator, with the issue's JSON shapes."""

from __future__ import annotations

import json

import pytest
from eval_helpers import fine_tune, make_colour_project

from studio.cli.main import main
from studio.core.store.project_store import ProjectStore
from studio.emulator import EmulatorServer

BASE = "gpt-4o-2024-08-06"


@pytest.fixture
def srv():
    with EmulatorServer(step_seconds=0.002, api_keys=["emu-key"]) as server:
        yield server


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_evaluate_base_and_tuned_then_compare(tmp_path, srv, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "emu-key")
    project = make_colour_project(tmp_path / "p")
    with ProjectStore.open(project) as store:
        tuned = fine_tune(store, srv)

    code, out, err = run(["evaluate", project, "--model", BASE, "--base-url", srv.base_url], capsys)
    assert code == 2 and "Not started" in err and "estimate:" in err  # costs money: asks first
    assert not srv.state.requests_matching("POST", "/chat/completions")

    code, out, err = run(["evaluate", project, "--model", BASE, "--base-url", srv.base_url, "--yes", "--json"], capsys)
    assert code == 0, err
    base = json.loads(out)
    assert set(base) == {"run_id", "model", "split", "n", "accuracy", "accuracy_ci95", "macro_f1", "unparseable",
                         "per_class", "confusion", "predictions", "usage", "cost_usd"}
    assert base["model"] == BASE and base["split"] == "test" and base["unparseable"] == 0
    assert base["confusion"]["labels"] == ["red", "green", "blue"]
    assert all(len(row) == 4 for row in base["confusion"]["matrix"])  # + the unparseable column
    first = next(iter(base["predictions"].items()))
    assert first[0].endswith(".png") and "/" not in first[0]  # the path export-labels writes
    assert first[1]["predicted"] == "red" and first[1]["answer"] == "red"
    assert base["usage"]["prompt_tokens"] > 0 and base["cost_usd"] > 0
    assert base["accuracy"] == pytest.approx(base["per_class"]["red"]["support"] / base["n"])

    code, out, err = run(["evaluate", project, "--model", tuned, "--base-url", srv.base_url, "--yes", "--json",
                          "--limit", 5], capsys)
    tuned_run = json.loads(out)
    assert code == 0 and tuned_run["n"] == 5 and tuned_run["accuracy"] == 1.0

    code, out, err = run(["compare", project, base["run_id"], tuned_run["run_id"], "--json"], capsys)
    assert code == 0, err
    c = json.loads(out)
    assert set(c) == {"n_paired", "accuracy_a", "accuracy_b", "diff", "diff_ci95", "mcnemar_p", "verdict"}
    assert c["n_paired"] == 5 and c["accuracy_b"] == 1.0 and c["diff"] == pytest.approx(1.0 - c["accuracy_a"])

    code, out, _ = run(["runs", project, "--json"], capsys)
    assert code == 0 and [r["run_id"] for r in json.loads(out)] == [tuned_run["run_id"], base["run_id"]]


@pytest.fixture
def demo_service():
    """The in-process demo service is one per process: stop it so later tests start their own."""
    from studio.service import demo

    yield
    demo.stop_demo()


def test_evaluate_on_the_demo_service_needs_no_confirmation_and_unknown_runs_are_refused(tmp_path, capsys,
                                                                                         demo_service):
    project = make_colour_project(tmp_path / "p")
    code, out, err = run(["evaluate", project, "--model", BASE, "--demo", "--limit", 3, "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["n"] == 3
    code, _, err = run(["compare", project, 1, 99], capsys)
    assert code == 2 and "no evaluation run 99" in err
    code, _, err = run(["evaluate", project, "--demo"], capsys)
    assert code == 2 and "--model" in err
