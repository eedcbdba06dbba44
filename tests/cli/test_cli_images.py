"""Image commands on a real project file: label, exclude/include, clear the service's skip mark."""

from __future__ import annotations

from cli_helpers import labels, paths

from studio.core.models import ImageFilter
from studio.core.store.project_store import ProjectStore


def test_label_several_images_then_clear(cli_project, run_cli):
    code, out, _ = run_cli("label", cli_project, "birds/bird0.png", "dogs/dog0.png", "bird")
    assert code == 0 and out == "2 images -> bird\n"
    assert labels(cli_project)["dogs/dog0.png"] == "bird"
    assert run_cli("label", cli_project, "birds/bird0.png", "-")[1] == "cleared label of birds/bird0.png\n"
    assert labels(cli_project)["birds/bird0.png"] is None


def test_exclude_and_include_by_path_by_absolute_path_and_by_list_file(cli_project, run_cli, tmp_path):
    code, out, _ = run_cli("exclude", cli_project, "cats/cat0.jpg")
    assert code == 0 and out == "excluded 1 image\n"
    listing = tmp_path / "to-exclude.txt"
    listing.write_text("# the dogs look blurry\ndogs/dog0.png\n\ndogs\\dog1.png\n", encoding="utf-8")
    code, out, _ = run_cli("exclude", cli_project, "cats/cat0.jpg", "--from-file", listing)
    assert code == 0 and out == "excluded 2 images (1 already were)\n"
    assert paths(cli_project, ImageFilter(excluded=True)) == {"cats/cat0.jpg", "dogs/dog0.png", "dogs/dog1.png"}

    absolute = tmp_path / "images" / "cats" / "cat0.jpg"
    code, out, _ = run_cli("include", cli_project, absolute)
    assert code == 0 and out == "included 1 image\n"
    assert paths(cli_project, ImageFilter(excluded=True)) == {"dogs/dog0.png", "dogs/dog1.png"}
    code, out, _ = run_cli("status", cli_project)
    assert "2 excluded" in out
    assert labels(cli_project)["dogs/dog0.png"] == "dog"  # excluding never touches the label


def test_one_unknown_image_changes_nothing(cli_project, run_cli):
    code, out, err = run_cli("exclude", cli_project, "cats/cat0.jpg", "cats/cat9.jpg")
    assert code == 2 and out == ""
    assert "'cats/cat9.jpg'" in err and "nothing was changed" in err
    assert paths(cli_project, ImageFilter(excluded=True)) == set()
    code, _, err = run_cli("include", cli_project)
    assert code == 2 and "--from-file" in err


def test_clear_skip_unmarks_images_and_keeps_the_jobs_history(cli_project, run_cli):
    with ProjectStore.open(cli_project) as store:
        ids = {row.rel_path: row.id for row in store.iter_images()}
        store.jobs.record_service_skips("ftjob-1", [(ids["cats/cat1.jpg"], "face", 3), (ids["dogs/dog0.png"], "face", 5)])
    assert paths(cli_project, ImageFilter(service_skipped=True)) == {"cats/cat1.jpg", "dogs/dog0.png"}

    code, out, _ = run_cli("clear-skip", cli_project, "cats/cat1.jpg", "cats/cat2.jpg")
    assert code == 0 and out == "cleared the service's skip mark of 1 image\n"
    assert paths(cli_project, ImageFilter(service_skipped=True)) == {"dogs/dog0.png"}

    code, _, err = run_cli("clear-skip", cli_project, "dogs/dog0.png", "--all")
    assert code == 2 and "not both" in err
    code, out, _ = run_cli("clear-skip", cli_project, "--all")
    assert code == 0 and "of 1 image" in out
    assert paths(cli_project, ImageFilter(service_skipped=True)) == set()
    with ProjectStore.open(cli_project, read_only=True) as store:
        assert len(store.jobs.service_skips("ftjob-1")) == 2  # what the job reported stays on record
