"""Class commands on a real project file: what the class panel does, from the command line."""

from __future__ import annotations

import json

from cli_helpers import classes, labels


def test_rename_keeps_the_labels_and_refuses_a_taken_name(cli_project, run_cli):
    code, out, _ = run_cli("class-rename", cli_project, "cat", "  house   cat ")
    assert code == 0 and "'cat' to 'house cat'" in out
    assert labels(cli_project)["cats/cat0.jpg"] == "house cat"
    code, out, err = run_cli("class-rename", cli_project, "house cat", "dog")
    assert code == 2 and out == "" and "merge them instead" in err
    code, _, err = run_cli("class-rename", cli_project, "lion", "tiger")
    assert code == 2 and "No class 'lion'" in err and "house cat, dog, bird" in err


def test_merge_moves_every_image_and_removes_the_source(cli_project, run_cli):
    code, out, _ = run_cli("class-merge", cli_project, "dog", "cat")
    assert code == 0 and "2 images moved" in out
    assert [c.name for c in classes(cli_project)] == ["cat", "bird"]
    assert labels(cli_project)["dogs/dog1.png"] == "cat"
    code, _, err = run_cli("class-merge", cli_project, "cat", "cat")
    assert code == 2 and "two different classes" in err


def test_delete_asks_what_happens_to_labeled_images(cli_project, run_cli):
    code, _, err = run_cli("class-delete", cli_project, "dog")
    assert code == 2 and "--unlabel" in err and "--reassign-to" in err and "Nothing was changed" in err
    assert [c.name for c in classes(cli_project)] == ["cat", "dog", "bird"]

    code, out, _ = run_cli("class-delete", cli_project, "dog", "--reassign-to", "bird")
    assert code == 0 and "2 images moved to 'bird'" in out
    assert labels(cli_project)["dogs/dog0.png"] == "bird"

    code, out, _ = run_cli("class-delete", cli_project, "cat", "--unlabel")
    assert code == 0 and "3 images now unlabeled" in out
    assert labels(cli_project)["cats/cat2.jpg"] is None
    assert [c.name for c in classes(cli_project)] == ["bird"]

    assert run_cli("classes", cli_project, "--add", "empty")[0] == 0
    assert run_cli("class-delete", cli_project, "empty")[0] == 0  # nothing labeled: no question to ask


def test_keys_follow_the_app_rules(cli_project, run_cli):
    assert run_cli("class-key", cli_project, "bird", "B")[1] == "'bird': shortcut 'b'\n"
    code, _, err = run_cli("class-key", cli_project, "dog", "b")
    assert code == 2 and "already the shortcut of 'bird'" in err
    code, _, err = run_cli("class-key", cli_project, "dog", "x")
    assert code == 2 and "reserved" in err
    code, _, err = run_cli("class-key", cli_project, "dog", "F5")
    assert code == 2 and "one letter or digit" in err
    assert run_cli("class-key", cli_project, "bird", "-")[1] == "'bird': no shortcut\n"
    shortcuts = {c["name"]: c["shortcut"] for c in json.loads(run_cli("classes", cli_project, "--json")[1])}
    assert shortcuts["bird"] is None and shortcuts["dog"] not in (None, "b", "x")


def test_colours_are_checked_and_stored_as_lower_case_hex(cli_project, run_cli):
    code, out, _ = run_cli("class-color", cli_project, "bird", "#1E88E5")
    assert code == 0 and out == "'bird': colour #1e88e5\n"
    assert next(c.color for c in classes(cli_project) if c.name == "bird") == "#1e88e5"
    before = [c.color for c in classes(cli_project)]
    for bad in ("blue", "#12345", "1e88e5", "#GGGGGG"):
        code, _, err = run_cli("class-color", cli_project, "dog", bad)
        assert code == 2 and "#rrggbb" in err, bad
    assert [c.color for c in classes(cli_project)] == before


def test_order_puts_the_named_classes_first(cli_project, run_cli):
    code, out, _ = run_cli("class-order", cli_project, "bird", "dog")
    assert code == 0 and out == "order: bird, dog, cat\n"
    assert [c.name for c in classes(cli_project)] == ["bird", "dog", "cat"]
    code, _, err = run_cli("class-order", cli_project, "bird", "bird")
    assert code == 2 and "named twice" in err
