"""The project file's schema and its migrations.

`PRAGMA user_version` holds the schema version. A migration is a list of SQL statements run in one
transaction; a file from an older version is upgraded step by step when opened, and a file from a
newer version is refused (we cannot know what it contains). `PRAGMA application_id` marks a SQLite
file as a studio project so that opening some other database fails clearly instead of adding tables
to it.
"""

from __future__ import annotations

APPLICATION_ID = 0x56465453  # "VFTS"

# Version 1: the first released schema. Kept verbatim forever: migrations build on it.
_V1 = [
    """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)""",
    """CREATE TABLE roots (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        added_at REAL NOT NULL
    )""",
    """CREATE TABLE classes (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        position INTEGER NOT NULL,
        shortcut TEXT,
        color TEXT NOT NULL
    )""",
    """CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        root_id INTEGER NOT NULL REFERENCES roots(id),
        rel_path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        fingerprint TEXT,
        format TEXT,
        mode TEXT,
        width INTEGER,
        height INTEGER,
        frames INTEGER,
        verdict TEXT NOT NULL DEFAULT 'pending',
        message TEXT NOT NULL DEFAULT '',
        check_stage TEXT NOT NULL DEFAULT 'none',
        class_id INTEGER REFERENCES classes(id),
        excluded INTEGER NOT NULL DEFAULT 0,
        missing INTEGER NOT NULL DEFAULT 0,
        UNIQUE (root_id, rel_path)
    )""",
    "CREATE INDEX images_class ON images(class_id)",
    "CREATE INDEX images_verdict ON images(verdict)",
    "CREATE INDEX images_fingerprint ON images(fingerprint)",
    """CREATE TABLE label_audit (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL,
        image_id INTEGER NOT NULL,
        old_class_id INTEGER,
        new_class_id INTEGER,
        source TEXT NOT NULL,
        at REAL NOT NULL
    )""",
    "CREATE INDEX label_audit_image ON label_audit(image_id)",
    "CREATE INDEX label_audit_batch ON label_audit(batch_id)",
    """CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)""",
]

# Version 2: fine-tuning bookkeeping and service-reported skips.
_V2 = [
    "ALTER TABLE images ADD COLUMN service_skip TEXT",
    """CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        created_at REAL NOT NULL,
        state TEXT NOT NULL,
        profile_json TEXT NOT NULL,
        params_json TEXT NOT NULL,
        export_dir TEXT,
        training_file_id TEXT,
        validation_file_id TEXT,
        job_id TEXT,
        error TEXT
    )""",
    """CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        submission_id INTEGER REFERENCES submissions(id),
        profile_json TEXT NOT NULL,
        base_model TEXT,
        status TEXT NOT NULL,
        created_at REAL,
        finished_at REAL,
        fine_tuned_model TEXT,
        trained_tokens INTEGER,
        training_file_id TEXT,
        validation_file_id TEXT,
        result_files_json TEXT,
        error_json TEXT,
        estimated_finish REAL,
        raw_json TEXT,
        updated_at REAL
    )""",
    """CREATE TABLE job_events (
        id TEXT NOT NULL,
        job_id TEXT NOT NULL REFERENCES jobs(id),
        created_at REAL NOT NULL,
        level TEXT NOT NULL,
        type TEXT,
        message TEXT NOT NULL,
        data_json TEXT,
        PRIMARY KEY (job_id, id)
    )""",
    """CREATE TABLE job_checkpoints (
        id TEXT NOT NULL,
        job_id TEXT NOT NULL REFERENCES jobs(id),
        created_at REAL,
        step_number INTEGER,
        model_id TEXT,
        metrics_json TEXT,
        PRIMARY KEY (job_id, id)
    )""",
    """CREATE TABLE job_metrics (
        job_id TEXT NOT NULL REFERENCES jobs(id),
        step INTEGER NOT NULL,
        train_loss REAL,
        train_accuracy REAL,
        valid_loss REAL,
        valid_accuracy REAL,
        full_valid_loss REAL,
        full_valid_accuracy REAL,
        total_steps INTEGER,
        PRIMARY KEY (job_id, step)
    )""",
    """CREATE TABLE service_skips (
        job_id TEXT NOT NULL,
        image_id INTEGER NOT NULL,
        reason TEXT NOT NULL,
        line_number INTEGER,
        PRIMARY KEY (job_id, image_id)
    )""",
]

# Versions 3-7 are this round's features; each list is owned by one feature and filled in by it.
# Version 3: stored train / validation / test splits (owned by core/splits).
# Keyed by the image's identity (content fingerprint, or root-relative path when it has none) rather
# than its row id, so a split survives rescans, moves, renames and removal-then-re-adding, and
# byte-identical copies share one split by construction.
_V3: list[str] = [
    """CREATE TABLE splits (
        identity TEXT PRIMARY KEY,
        split TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),
        assigned_at REAL NOT NULL
    )""",
]
# Version 4: evaluation runs and their stored answers (owned by core/evaluation).
# An answer row is written the moment it arrives, so a stopped run resumes without paying twice;
# `predicted_class_id` NULL = unparseable (or refused: `error`). Labels are NOT copied: metrics use
# the current labels, so relabeling an image updates every run's counts.
_V4: list[str] = [
    """CREATE TABLE eval_runs (
        id INTEGER PRIMARY KEY,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        model TEXT NOT NULL,
        deployment TEXT,
        split TEXT NOT NULL,
        state TEXT NOT NULL,
        job_id TEXT,
        spec_json TEXT NOT NULL,
        profile_json TEXT NOT NULL,
        image_ids_json TEXT NOT NULL,
        shot_image_ids_json TEXT NOT NULL,
        class_names_json TEXT NOT NULL,
        max_tokens INTEGER NOT NULL,
        error TEXT
    )""",
    """CREATE TABLE eval_answers (
        run_id INTEGER NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
        image_id INTEGER NOT NULL,
        answer TEXT,
        predicted_class_id INTEGER,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        latency_ms REAL,
        error TEXT,
        answered_at REAL NOT NULL,
        PRIMARY KEY (run_id, image_id)
    )""",
    "CREATE INDEX eval_answers_image ON eval_answers(image_id)",
]
# Version 5: Azure deployments this project created.
_V5: list[str] = [
    # One row per deployment the studio asked for, written BEFORE the request goes out so a crash never
    # leaves an hourly-billed deployment the project does not know it made. `account_id` is the ARM
    # resource id of the Azure OpenAI resource (lower case); names are unique per account while live.
    """CREATE TABLE deployments (
        id INTEGER PRIMARY KEY,
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        model TEXT NOT NULL,
        job_id TEXT,
        checkpoint_step INTEGER,
        deployment_type TEXT NOT NULL,
        sku TEXT NOT NULL,
        capacity INTEGER NOT NULL,
        purpose TEXT,
        state TEXT NOT NULL,
        requested_at REAL NOT NULL,
        created_at REAL,
        deleted_at REAL,
        error TEXT
    )""",
    "CREATE UNIQUE INDEX deployments_live_name ON deployments(account_id, name) WHERE deleted_at IS NULL",
    "CREATE INDEX deployments_purpose ON deployments(purpose)",
]
# Version 6: moderation-skip predictions (face / person) and the user's overrides.
# Keyed by the file's content fingerprint: a cache (a moved or copied file is not analysed again, a
# changed file is) that also covers identical copies. `detector` names the model and settings that
# produced the row; rows of another detector are recomputed. A dismissal ("this flag is wrong") is
# kept apart, so it survives a detector upgrade. Boxes are [[x, y, w, h], ...] in pixels of the image
# as shown (EXIF orientation applied), whose size is (width, height).
_V6: list[str] = [
    """CREATE TABLE moderation (
        fingerprint TEXT PRIMARY KEY,
        detector TEXT NOT NULL,
        likely_skipped TEXT,
        boxes_json TEXT NOT NULL DEFAULT '[]',
        width INTEGER,
        height INTEGER,
        checked_at REAL NOT NULL
    )""",
    """CREATE TABLE moderation_dismissed (
        fingerprint TEXT PRIMARY KEY,
        dismissed_at REAL NOT NULL
    )""",
]
# Version 7: perceptual hashes and duplicate decisions (owned by core/curation duplicates).
# `phash` is the 64-bit dHash as a signed integer (SQLite's INTEGER), NULL until the deep check ran.
# `duplicate_ignored` holds images the user declared "not a duplicate": grouping leaves them alone.
_V7: list[str] = [
    "ALTER TABLE images ADD COLUMN phash INTEGER",
    """CREATE TABLE duplicate_ignored (
        identity TEXT PRIMARY KEY,
        at REAL NOT NULL
    )""",
]

MIGRATIONS: list[list[str]] = [_V1, _V2, _V3, _V4, _V5, _V6, _V7]
SCHEMA_VERSION = len(MIGRATIONS)
