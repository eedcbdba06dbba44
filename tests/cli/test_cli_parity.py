"""CLI parity: every change the app makes to a project has a `studio-cli` command, and the family
modules are all wired in. The behaviour of each command is tested in the other test_cli_* files;
this file keeps the list honest when the app gains a new way to change a project."""

from __future__ import annotations

import argparse
import json
import types
from pathlib import Path

import pytest

from studio.cli import main as cli_main
from studio.ui.finetune.controller import FinetuneController
from studio.ui.labeling.session import ProjectSession

# ProjectSession (the one owner of the project file in the app) method -> the command doing the same.
SESSION_CHANGES = {
    "label": "label",
    "set_excluded": "exclude",  # and "include"
    "apply_import": "import-labels",
    "add_class": "classes",  # --add
    "rename_class": "class-rename",
    "set_class_color": "class-color",
    "set_class_shortcut": "class-key",
    "move_class": "class-order",
    "merge_classes": "class-merge",
    "delete_class": "class-delete",
    "add_root": "add-folder",
    "relink_root": "relink",
    "clear_service_skips": "clear-skip",
    "set_moderation_dismissed": "moderation",  # --wrong / --right
    "set_setting": "prompts",  # the only project settings the app writes are the prompt texts
}
# Session methods that replay one of the changes above for undo/redo, or only read. `jobs` and
# `evaluations` hand out repositories; their writes are the service runners' (CLI: submit, evaluate).
SESSION_NOT_CHANGES = {
    "commit_labels", "commit_excluded", "commit_merge", "commit_delete", "restore_class",  # undo/redo
    "class_for_key", "class_info", "class_names", "classes", "close", "count", "export_labels", "folders",
    "get_setting", "image_ids", "jobs", "moderation_flag", "evaluations", "label_history", "missing_roots", "name", "notify_images_changed",
    "path", "plan_csv_import", "plan_folder_import", "read_only", "recount", "report_error",
    "resolve_class", "roots", "row", "rows", "stores",
}
# The fine-tune side's changes to a project's jobs and texts.
FINETUNE_CHANGES = {
    "new_submission": "submit",
    "resume_submission": "submit",  # --resume SUBMISSION
    "pause": "pause",
    "resume": "resume",
    "cancel_job": "cancel",
    "save_prompt_templates": "prompts",
}


def _commands() -> set[str]:
    parser = cli_main.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_every_session_change_has_a_command() -> None:
    public = {n for n, v in vars(ProjectSession).items()
              if not n.startswith("_") and isinstance(v, (types.FunctionType, property))}
    unlisted = public - set(SESSION_CHANGES) - SESSION_NOT_CHANGES
    assert not unlisted, (
        f"ProjectSession has new public methods {sorted(unlisted)}: if one changes the project, add a "
        "studio-cli command for it and list it in SESSION_CHANGES; otherwise list it in SESSION_NOT_CHANGES."
    )
    assert not (set(SESSION_CHANGES) | SESSION_NOT_CHANGES) - public, "listed methods the session no longer has"
    assert set(SESSION_CHANGES.values()) <= _commands()


def test_every_finetune_change_has_a_command() -> None:
    assert all(callable(getattr(FinetuneController, name, None)) for name in FINETUNE_CHANGES)
    assert set(FINETUNE_CHANGES.values()) <= _commands() | {"include"}


def test_every_family_module_is_registered() -> None:
    package = Path(cli_main.__file__).parent
    modules = {p.stem for p in package.glob("*.py")} - {"__init__", "main", "common"}
    registered = {m.__name__.rsplit(".", 1)[1] for m in cli_main.FAMILIES}
    assert modules == registered, "add each studio/cli/<family>.py to FAMILIES in studio/cli/main.py"


def test_help_lists_every_command(run_cli) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_cli("--help")
    assert exit_info.value.code == 0


def test_prompts_are_stored_and_used_by_the_export(project_path, run_cli, tmp_path) -> None:
    code, out, _ = run_cli("prompts", project_path, "--json")
    assert code == 0 and json.loads(out)["system_is_default"] is True

    instruction = tmp_path / "instruction.txt"
    instruction.write_text("Which one of {classes} is this?\n", encoding="utf-8")
    code, out, err = run_cli("prompts", project_path, "--system", "You sort pets into {classes}.",
                             "--instruction-file", instruction, "--json")
    shown = json.loads(out)
    assert code == 0 and shown["system"] == "You sort pets into {classes}." and not shown["system_is_default"]
    assert shown["instruction"] == "Which one of {classes} is this?" and err == ""

    assert run_cli("export", project_path, tmp_path / "out", "--workers", 0, "--json")[0] == 0
    first = json.loads((tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8-sig").splitlines()[0])
    assert first["messages"][0] == {"role": "system", "content": "You sort pets into cat, dog."}
    assert first["messages"][1]["content"][0]["text"] == "Which one of cat, dog is this?"

    code, _, err = run_cli("prompts", project_path, "--system", "Answer briefly.", "--instruction", "What is it?")
    assert code == 0 and "{classes}" in err  # a hint, not a refusal
    code, _, err = run_cli("prompts", project_path, "--reset", "--system", "x")
    assert code == 2 and "not both" in err
    code, out, _ = run_cli("prompts", project_path, "--reset", "--json")
    assert code == 0 and json.loads(out)["system_is_default"] and json.loads(out)["instruction_is_default"]
