from __future__ import annotations

from studio.core.export.prompts import default_templates, format_class_list, render_prompts
from studio.resource_paths import resource_path


def test_defaults_come_from_the_resource_files_and_name_every_class():
    system_file = resource_path("prompts", "system.txt").read_text(encoding="utf-8").strip()
    assert default_templates()[0] == system_file
    p = render_prompts(["cat", "dog", "bird"])
    assert "{classes}" not in p.system and "{classes}" not in p.instruction
    for name in ("cat", "dog", "bird"):
        assert name in p.system and name in p.instruction


def test_project_overrides_replace_defaults_and_user_braces_survive():
    p = render_prompts(["a", "b"], "Answer {classes} as JSON {\"label\": x}", "  ")
    assert p.system == 'Answer a, b as JSON {"label": x}'
    assert p.instruction == render_prompts(["a", "b"]).instruction  # blank override -> default


def test_ambiguous_class_names_are_quoted():
    assert format_class_list(["plain", "with, comma", 'say "hi"', "Ünïcode 猫"]) == (
        'plain, "with, comma", "say \\"hi\\"", Ünïcode 猫'
    )


def test_resource_path_prefers_pyinstaller_bundle(monkeypatch, tmp_path):
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    assert resource_path("prompts", "system.txt") == tmp_path / "resources" / "prompts" / "system.txt"
