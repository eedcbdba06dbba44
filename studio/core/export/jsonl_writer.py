"""Streaming writer of the chat-format JSONL dataset, its manifest and an export report.

One example per labeled image: system message, user message (instruction text + the image as a
data URI), assistant message = exactly the class name, so evaluation can compare answers verbatim.

Why it is built this way:
- Streaming with bounded memory: images are encoded by a process pool with a small sliding window of
  in-flight work, consumed in order and written straight to disk; at most `window` encoded images
  exist at once, whatever the dataset size.
- Parallel: encoding (decode at reduced scale, resize, JPEG, base64) is the cost; one worker process
  per core does it while this process only joins strings and writes. Workers are spawned, not
  forked, because the GUI process has threads (forking those can deadlock).
- Atomic: every file is written under a temporary name in the output folder and renamed only when the
  whole export succeeded, so a cancel, an error or a crash never leaves a half dataset that looks
  complete. Files of a previous export that this one does not produce (e.g. an old test.jsonl)
  are removed at publish time, so the folder always describes one export.
- Limits are enforced before writing (counts) and while writing (file size), see `dataset_limits`.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import tempfile
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor, TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import IO, Generator, Iterable, Iterator, Sequence

from studio.core.errors import DatasetError
from studio.core.export.dataset_limits import (
    DEFAULT_LIMITS,
    DatasetLimits,
    FileBudget,
    check_example_counts,
    check_images_per_example,
)
from studio.core.export.image_encoding import (
    EncodedImage,
    EncodeRequest,
    EncodeResult,
    encode_for_export,
    target_size,
)
from studio.core.export.manifest import MANIFEST_NAME, ManifestEntry, write_entry
from studio.core.export.plan import SPLIT_ORDER, ExportPlan, PlannedExample, plan_export
from studio.core.export.prompts import Prompts
from studio.core.export.records import ExportItem, ExportOptions, ExportReport, SkippedImage
from studio.core.splits.quotas import Split
from studio.core.export.token_estimate import TokenTally, example_text_tokens
from studio.core.tasks import CancelToken, ProgressFn, no_progress
from studio.core.wording import plural

SPLIT_FILES: dict[Split, str] = {
    Split.TRAIN: "train.jsonl",
    Split.VALIDATION: "validation.jsonl",
    Split.TEST: "test.jsonl",
}
UPLOADED_SPLITS = {Split.TRAIN: "training", Split.VALIDATION: "validation"}  # the test split stays local
REPORT_NAME = "export_report.json"
UTF8_BOM = b"\xef\xbb\xbf"
_WRITE_BUFFER = 1 << 20


def build_example(prompts: Prompts, images: Sequence[EncodedImage], detail: str, answer: str,
                  limits: DatasetLimits = DEFAULT_LIMITS) -> dict:
    """The chat example for one or more images of one label."""
    check_images_per_example(len(images), limits)
    parts: list[dict] = [{"type": "text", "text": prompts.instruction}]
    parts.extend({"type": "image_url", "image_url": {"url": img.data_uri, "detail": detail}} for img in images)
    return {
        "messages": [
            {"role": "system", "content": prompts.system},
            {"role": "user", "content": parts},
            {"role": "assistant", "content": answer},
        ]
    }


def encode_line(example: dict) -> bytes:
    """One JSONL line: UTF-8, unicode kept as is (not \\u-escaped), quotes and newlines escaped by JSON."""
    return json.dumps(example, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def write_dataset(
    items: Iterable[ExportItem],
    out_dir: Path,
    options: ExportOptions = ExportOptions(),
    class_names: Sequence[str] | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
    limits: DatasetLimits = DEFAULT_LIMITS,
) -> ExportReport:
    """Export `items` (labeled images) into `out_dir`. `class_names` are all the project's classes in
    display order (named in the prompt even when none of their images can be exported).

    Raises DatasetError when a limit is broken (nothing published), Cancelled when cancelled (nothing
    published, temporary files removed)."""
    cancel = cancel or CancelToken()
    plan = plan_export(items, class_names, options)
    check_example_counts(plan.counts(), plan.per_class(), limits)  # fail fast; final check below
    _check_size_lower_bounds(plan, options, limits)

    out_dir = Path(out_dir)
    session = _Session(plan, out_dir, options, limits)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        session.run(progress, cancel)
        return session.finish()
    except OSError as exc:  # disk full, folder not writable, removed drive...
        session.discard()
        raise DatasetError(
            f"Could not write the dataset to '{out_dir}' ({exc.strerror or exc}). Check that the folder is "
            "writable and the disk has free space; nothing was published."
        ) from exc
    except BaseException:
        session.discard()
        raise


def _check_size_lower_bounds(plan: ExportPlan, options: ExportOptions, limits: DatasetLimits) -> None:
    """Refuse early when the images that will certainly go byte-for-byte already overflow a file."""
    for split, label in UPLOADED_SPLITS.items():
        total, n = 0, 0
        for ex in plan.examples:
            if ex.split is not split:
                continue
            n += 1
            it = ex.item
            as_is = it.bytes and not it.verdict.flagged and not (
                options.downscale and it.width and it.height
                and target_size(it.width, it.height, options.detail) != (it.width, it.height)
            )
            if as_is and it.bytes:
                total += 4 * -(-it.bytes // 3)
        FileBudget(label, limits).check_lower_bound(total, n)


class _Session:
    """State of one export run: temporary files, budgets, counters."""

    def __init__(self, plan: ExportPlan, out_dir: Path, options: ExportOptions, limits: DatasetLimits) -> None:
        self.plan = plan
        self.out_dir = out_dir
        self.options = options
        self.limits = limits
        self.splits = [s for s in SPLIT_ORDER if s is Split.TRAIN or any(e.split is s for e in plan.examples)]
        self.temps: dict[str, Path] = {}
        self.handles: dict[str, IO[bytes]] = {}
        self.lines = {s: 0 for s in SPLIT_ORDER}
        self.per_split_total = plan.counts()
        self.per_class: dict[str, dict[str, int]] = {c: {} for c in plan.class_names}
        self.budgets = {s: FileBudget(label, limits) for s, label in UPLOADED_SPLITS.items()}
        self.skipped: list[SkippedImage] = list(plan.skipped)
        self.tally = TokenTally(options.detail)
        self.text_tokens = {
            c: example_text_tokens(plan.prompts.system, plan.prompts.instruction, c) for c in plan.class_names
        }
        self.fixed = 0
        self.reencoded = 0

    # -- files -------------------------------------------------------------------------------
    def _open(self, name: str) -> IO[bytes]:
        fd, tmp = tempfile.mkstemp(dir=self.out_dir, prefix=f".{name}.", suffix=".partial")
        self.temps[name] = Path(tmp)
        fh = os.fdopen(fd, "wb", buffering=_WRITE_BUFFER)
        self.handles[name] = fh
        return fh

    def discard(self) -> None:
        for fh in self.handles.values():
            try:
                fh.close()
            except OSError:
                pass
        for tmp in self.temps.values():
            tmp.unlink(missing_ok=True)
        self.temps.clear()

    # -- work --------------------------------------------------------------------------------
    def run(self, progress: ProgressFn, cancel: CancelToken) -> None:
        for split in self.splits:
            fh = self._open(SPLIT_FILES[split])
            if self.options.azure_bom:
                fh.write(UTF8_BOM)
                if split in self.budgets:
                    self.budgets[split].add(len(UTF8_BOM), 0, self.per_split_total[split.value])
        manifest = self._open(MANIFEST_NAME)
        total = len(self.plan.examples)
        progress(0, total, "Encoding images")
        requests = (
            EncodeRequest(
                path=str(ex.item.abs_path),
                verdict=ex.item.verdict.value,
                detail=self.options.detail,
                fix=self.options.fix,
                downscale=self.options.downscale,
                jpeg_quality=self.options.jpeg_quality,
            )
            for ex in self.plan.examples
        )
        results = _encode_ordered(requests, self.options.workers, cancel)
        try:
            for done, (ex, result) in enumerate(zip(self.plan.examples, results), start=1):
                cancel.raise_if_cancelled()
                self._write_one(ex, result, manifest)
                progress(done, total, f"Writing {SPLIT_FILES[ex.split]}")
        finally:
            results.close()  # stops the pool at once on cancel or error

    def _write_one(self, ex: PlannedExample, result: EncodeResult, manifest: IO[bytes]) -> None:
        item = ex.item
        if result.image is None:
            self.skipped.append(SkippedImage(item.image_id, item.rel_path, result.reason or "unusable"))
            return
        image = result.image
        line = encode_line(build_example(self.plan.prompts, [image], self.options.detail, item.class_name, self.limits))
        if ex.split in self.budgets:
            self.budgets[ex.split].add(len(line), self.lines[ex.split], self.per_split_total[ex.split.value])
        name = SPLIT_FILES[ex.split]
        self.handles[name].write(line)
        self.lines[ex.split] += 1
        write_entry(
            manifest,
            ManifestEntry(
                file=name,
                line=self.lines[ex.split],
                image_index=0,
                image_id=item.image_id,
                rel_path=item.rel_path,
                fingerprint=item.fingerprint,
                class_name=item.class_name,
                reencoded=image.reencoded,
            ),
        )
        counts = self.per_class.setdefault(item.class_name, {})
        counts[ex.split.value] = counts.get(ex.split.value, 0) + 1
        self.tally.add(ex.split.value, self.text_tokens[item.class_name], [(image.width, image.height)])
        self.fixed += item.verdict.flagged
        self.reencoded += image.reencoded

    def finish(self) -> ExportReport:
        examples = {s.value: self.lines[s] for s in self.splits}
        per_class_total = {c: sum(v.values()) for c, v in self.per_class.items()}
        warnings = check_example_counts(examples, per_class_total, self.limits)
        if (self.options.val_fraction or 0) > 0 and examples.get("validation", 0) == 0:
            warnings.append("No validation examples: the validation fraction is too small for this dataset.")
        if self.skipped:
            warnings.append(
                f"{plural(len(self.skipped), 'labeled image')} {'was' if len(self.skipped) == 1 else 'were'} left out; "
                "the export report lists each with the reason."
            )
        estimate = self.tally.finish(self.options.epochs, self.options.price_per_1m)
        files = {s.value: self.out_dir / SPLIT_FILES[s] for s in self.splits}
        files["manifest"] = self.out_dir / MANIFEST_NAME
        files["report"] = self.out_dir / REPORT_NAME
        report = ExportReport(
            out_dir=self.out_dir,
            files=files,
            examples=examples,
            per_class=self.per_class,
            fixed=self.fixed,
            reencoded=self.reencoded,
            skipped=self.skipped,
            warnings=warnings,
            estimate=estimate,
        )
        for split in self.splits:
            if split is not Split.TRAIN and self.lines[split] == 0:  # every image of it failed to encode
                del files[split.value], examples[split.value]
                self.handles.pop(SPLIT_FILES[split]).close()
                self.temps.pop(SPLIT_FILES[split]).unlink()
        for name, fh in self.handles.items():
            _close_durably(fh)
            report.file_bytes[name] = self.temps[name].stat().st_size
        body = dict(
            report.as_dict(),
            options=_options_dict(self.options),
            prompts={"system": self.plan.prompts.system, "instruction": self.plan.prompts.instruction},
        )
        fh = self._open(REPORT_NAME)
        fh.write(json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8"))
        _close_durably(fh)
        self._publish()
        return report

    def _publish(self) -> None:
        produced = set(self.temps)
        for stale in [*SPLIT_FILES.values(), MANIFEST_NAME, REPORT_NAME]:
            if stale not in produced:
                (self.out_dir / stale).unlink(missing_ok=True)
        # The report goes last: its presence means the files next to it are complete.
        for name in sorted(produced, key=lambda n: n == REPORT_NAME):
            os.chmod(self.temps[name], 0o644)  # mkstemp made it private; these are ordinary files
            os.replace(self.temps[name], self.out_dir / name)
        self.temps.clear()


def _close_durably(fh: IO[bytes]) -> None:
    if not fh.closed:
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()


def _options_dict(options: ExportOptions) -> dict:
    return {
        "detail": options.detail,
        "val_fraction": options.val_fraction,
        "test_fraction": options.test_fraction,
        "seed": options.seed,
        "fix": options.fix,
        "drop_exact_duplicates": options.drop_exact_duplicates,
        "azure_bom": options.azure_bom,
        "downscale": options.downscale,
        "jpeg_quality": options.jpeg_quality,
    }


def _encode_ordered(
    requests: Iterable[EncodeRequest], workers: int | None, cancel: CancelToken
) -> Generator[EncodeResult, None, None]:
    """Encode in order, on `workers` processes (None: one per core; 0: here), at most a few
    results in flight so memory stays bounded. Closing the generator stops the pool."""
    n = (os.cpu_count() or 1) if workers is None else workers
    if n <= 0:
        for req in requests:
            cancel.raise_if_cancelled()
            yield encode_for_export(req)
        return
    pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))
    window: deque[Future] = deque()
    pending = iter(requests)
    limit = 4 * n
    try:
        for req in pending:
            window.append(pool.submit(encode_for_export, req))
            if len(window) >= limit:
                break
        while window:
            fut = window.popleft()
            while True:
                cancel.raise_if_cancelled()
                try:
                    result = fut.result(timeout=0.2)
                    break
                except FutureTimeout:
                    continue
                except BrokenProcessPool:
                    raise DatasetError(
                        "An image-encoding process stopped unexpectedly (most likely it ran out of memory "
                        "on a very large image). Nothing was written. Close other programs and try again, "
                        "or exclude the largest images."
                    ) from None
            nxt = next(pending, None)
            if nxt is not None:
                window.append(pool.submit(encode_for_export, nxt))
            yield result
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
