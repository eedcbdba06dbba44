"""The skip-report parser against the shapes of text the service (and our emulator) produce."""

from studio.service.jobs.skip_report import parse_skip_lines, parse_skip_report

AZURE_FAILURE = (
    "Training file: Preprocessing Summary: The provided data failed validation. Number of skipped "
    "multimodal examples exceed the maximum allowed 200 limit: inaccessible URL (3124). ... Details - "
    "Samples of lines per error type: inaccessible URL: Line numbers --> 1, 2, 3, ..."
)


def test_azure_failure_text_gives_reason_count_and_sample_lines():
    report = parse_skip_report(AZURE_FAILURE)
    assert len(report.entries) == 1
    entry = report.entries[0]
    assert (entry.reason, entry.count, entry.lines, entry.file) == ("inaccessible URL", 3124, (1, 2, 3), "training")
    assert report.total_skipped == 3124


def test_emulator_style_one_liner():
    assert parse_skip_lines("3 examples skipped: inaccessible URL (3): Line numbers --> 1, 2, 3") == {
        "inaccessible URL": [1, 2, 3]
    }


def test_several_reasons_with_odd_spacing_casing_breaks_and_ellipsis():
    text = (
        "Preprocessing summary: 5 examples skipped: contains people (2), Image too large (3).\n"
        "Samples of lines per error type: CONTAINS PEOPLE: LINE NUMBERS-->4,5;\n"
        "image too large: line numbers -->  10 ,\n 12, 14 …"
    )
    report = parse_skip_report(text)
    assert report.lines_by_reason() == {"contains people": [4, 5], "Image too large": [10, 12, 14]}
    assert {e.reason: e.count for e in report.entries} == {"contains people": 2, "Image too large": 3}


def test_validation_file_lines_are_kept_apart_from_training_lines():
    text = (
        "Training file: faces (1): Line numbers --> 3. "
        "Validation file: faces (2): Line numbers --> 1, 2"
    )
    report = parse_skip_report(text)
    assert report.lines_by_reason("training") == {"faces": [3]}
    assert report.lines_by_reason("validation") == {"faces": [1, 2]}


def test_counts_without_sample_lines_are_reported_only_when_text_is_about_skipping():
    assert parse_skip_report("Skipped 4 examples: contains CAPTCHAs (4).").lines_by_reason() == {"contains CAPTCHAs": []}
    assert not parse_skip_report("Step 10/300: training loss=0.52 (best so far (3))")
    assert not parse_skip_report("")
    assert not parse_skip_report(None)


def test_duplicate_reasons_merge_their_lines():
    text = "faces: Line numbers --> 2, 1. faces: Line numbers --> 3, 2"
    assert parse_skip_lines(text) == {"faces": [1, 2, 3]}
