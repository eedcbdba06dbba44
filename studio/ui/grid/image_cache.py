"""Full-size images for the viewer, decoded ahead on a background thread.

When the user labels in the viewer, the next image must already be decoded (qView's complaint:
seconds per arrow key in a 9,000-photo folder). The viewer asks for [current, next, next+1, previous];
a worker decodes them in that order into a small LRU, together with a copy pre-scaled to the
viewer's size so showing an image is a plain blit, never a smooth scale on the UI thread.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage, QImageReader

from studio.core.models import ImageRow, Verdict

MAX_SIDE = 4096  # bounds memory per cached image (~64 MB) while keeping zoom useful
MAX_UPSCALE = 4  # small images are enlarged up to this factor when fitted to the window
_KEEP = 6
_NEVER_DECODE = frozenset({Verdict.BOMB, Verdict.UNREADABLE})


@dataclass(frozen=True, slots=True)
class Decoded:
    image: QImage  # null when the file could not be decoded
    fitted: QImage  # scaled to fit the requested size (or null)
    fit_size: QSize
    error: str = ""


def _key(row: ImageRow) -> tuple:
    return (row.id, row.size, row.mtime_ns)


def decode_for_viewer(path: str, fit: QSize) -> Decoded:
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > MAX_SIDE:
        reader.setScaledSize(size.scaled(QSize(MAX_SIDE, MAX_SIDE), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        return Decoded(QImage(), QImage(), fit, reader.errorString())
    return Decoded(image, fit_image(image, fit), fit)


def fit_image(image: QImage, fit: QSize) -> QImage:
    """`image` scaled (smoothly, off the UI thread) to what the viewer shows when it fits the window:
    down to the window, or up to 4x for small images, so showing it is a plain blit."""
    if not fit.isValid() or image.isNull():
        return image
    target = image.size().scaled(fit, Qt.AspectRatioMode.KeepAspectRatio)
    if target.width() > image.width() * MAX_UPSCALE:
        target = image.size() * MAX_UPSCALE
    if target == image.size():
        return image
    return image.scaled(target, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


class _Signals(QObject):
    decoded = Signal(object, object)  # key, Decoded


class _Worker(QRunnable):
    def __init__(self, owner: "FullImageCache") -> None:
        super().__init__()
        self.owner = owner

    def run(self) -> None:
        owner = self.owner
        while True:
            with owner._lock:
                if not owner._todo:
                    owner._running = False
                    return
                key, path, fit = owner._todo.pop(0)
            owner._signals.decoded.emit(key, decode_for_viewer(path, fit))


class FullImageCache(QObject):
    """`request([rows...])` replaces the to-do list; `ready(image_id)` fires as each is decoded."""

    ready = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._lock = threading.Lock()
        self._todo: list[tuple[tuple, str, QSize]] = []
        self._running = False
        self._done: OrderedDict[tuple, Decoded] = OrderedDict()
        self._signals = _Signals()
        self._signals.decoded.connect(self._on_decoded, Qt.ConnectionType.QueuedConnection)
        self._wake = QTimer(self)
        self._wake.setSingleShot(True)
        self._wake.setInterval(0)
        self._wake.timeout.connect(self._start)

    def get(self, row: ImageRow, fit: QSize) -> Decoded | None:
        hit = self._done.get(_key(row))
        if hit is None:
            return None
        self._done.move_to_end(_key(row))
        if hit.fit_size != fit and not hit.image.isNull():
            hit = Decoded(hit.image, fit_image(hit.image, fit), fit, hit.error)
            self._done[_key(row)] = hit
        return hit

    def request(self, rows: list[ImageRow], fit: QSize) -> None:
        todo = [
            (_key(r), str(r.abs_path), fit)
            for r in rows
            if r.verdict not in _NEVER_DECODE and not r.missing and _key(r) not in self._done
        ]
        with self._lock:
            self._todo = todo
        if todo and not self._wake.isActive():
            # Start the decoder after the current event: waking a thread inside the key press that
            # asked for the next image would make that press wait for the GIL.
            self._wake.start()

    def _start(self) -> None:
        with self._lock:
            start = bool(self._todo) and not self._running
            if start:
                self._running = True
        if start:
            self._pool.start(_Worker(self))

    def _on_decoded(self, key: tuple, decoded: Decoded) -> None:
        self._done[key] = decoded
        self._done.move_to_end(key)
        while len(self._done) > _KEEP:
            self._done.popitem(last=False)
        self.ready.emit(key[0])

    def wait_idle(self, msecs: int = 10_000) -> bool:
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        with self._lock:
            self._todo = []
        self._pool.waitForDone(5000)
