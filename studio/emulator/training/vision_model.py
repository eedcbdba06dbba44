"""What the emulator's models "see" and "know", so evaluation tests can predict every answer.

The emulator cannot run a vision model, so it answers with a tiny, fully documented classifier.

What a model sees in an image: four numbers.
- `shape`: how round the foreground is. The background colour is the median of the border pixels;
  pixels that differ from it by more than 40 in some channel are foreground; the score is the
  compactness 4*pi*area/perimeter^2 of the foreground's convex hull (circle ~1.0, square ~0.79,
  triangle ~0.6; 0 when there is no foreground, e.g. a plain colour).
- `r`, `g`, `b`: the image's mean colour, each in [0, 1].

What a model knows, by kind (see `studio.emulator.api.chat` for how a request picks one):
- fine-tuned model: learned from its job's training file, every example in file order;
- checkpoint at step s of a job with T steps: learned from the first ceil(n * s / T) examples only;
- base model with labeled examples in the prompt (few-shot): learned from those examples;
- base model without examples (zero-shot): knows nothing and always answers the FIRST class named in
  the prompt's class list (see `first_listed_class`), or "I cannot tell." when it finds no list.

Learning: an image seen while learning is recognised exactly (its bytes' hash -> its label, so a
mislabeled training image is "learned wrong"). Any other image gets the label of the nearest class
centroid (per-class medians); each of the four numbers is standardised over the learned examples and
weighted by how well it separates the classes there: variance of the centroids / (mean squared
within-class spread + 0.05), the spread being 1.4826 x the median absolute deviation; a number that is
the same for every example is ignored. Ties go to the class learned first.
So on plain-colour images a model answers by colour, and on the demo's shapes by roundness.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter

FOREGROUND_THRESHOLD = 40  # middle of the 37-42 plateau where the demo shapes separate best
_WORK_SIZE = (160, 160)
_WITHIN_FLOOR = 0.05

Features = tuple[float, float, float, float]


@dataclass(frozen=True)
class SeenImage:
    digest: str
    features: Features
    width: int
    height: int


def look_at(data: bytes) -> SeenImage:
    """The features of one encoded image (raises OSError/ValueError when it is not an image)."""
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        rgb = image.convert("RGB")
    rgb.thumbnail(_WORK_SIZE)
    mean = [sum(i * v for i, v in enumerate(hist)) / max(1, sum(hist)) / 255.0
            for hist in (rgb.getchannel(c).histogram() for c in range(3))]
    return SeenImage(hashlib.sha1(data).hexdigest(), (_roundness(rgb), mean[0], mean[1], mean[2]), width, height)


def _roundness(rgb: Image.Image) -> float:
    w, h = rgb.size
    raw = rgb.tobytes()
    edge = [(x, y) for x in range(w) for y in (0, h - 1)] + [(x, y) for y in range(h) for x in (0, w - 1)]
    border = [raw[3 * (y * w + x) : 3 * (y * w + x) + 3] for x, y in edge]
    background = tuple(sorted(px[c] for px in border)[len(border) // 2] for c in range(3))
    diff = ImageChops.difference(rgb, Image.new("RGB", rgb.size, background))
    r, g, b = diff.split()
    mask = ImageChops.lighter(ImageChops.lighter(r, g), b).point(lambda v: 255 if v > FOREGROUND_THRESHOLD else 0)
    mask = mask.filter(ImageFilter.MinFilter(3)).filter(ImageFilter.MaxFilter(3))  # drop specks of noise
    data = mask.tobytes()
    points: list[tuple[int, int]] = []
    for y in range(h):
        row = data[y * w : (y + 1) * w]
        left = row.find(b"\xff")
        if left < 0:
            continue
        right = row.rfind(b"\xff") + 1
        points += [(left, y), (right, y), (left, y + 1), (right, y + 1)]
    hull = _convex_hull(points)
    if len(hull) < 3:
        return 0.0
    area = 0.5 * abs(sum(hull[i][0] * hull[i - 1][1] - hull[i - 1][0] * hull[i][1] for i in range(len(hull))))
    perimeter = sum(math.dist(hull[i], hull[i - 1]) for i in range(len(hull)))
    return 4 * math.pi * area / perimeter**2 if perimeter else 0.0


def _convex_hull(points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o: tuple[int, int], a: tuple[int, int], b: tuple[int, int]) -> int:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[int, int]] = []
    upper: list[tuple[int, int]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


class LearnedModel:
    """Nearest weighted centroid over the examples it learned, plus exact recall of those images."""

    def __init__(self, examples: list[tuple[SeenImage, str]]) -> None:
        self.labels: list[str] = []
        self.memory: dict[str, str] = {}
        for seen, label in examples:
            self.memory.setdefault(seen.digest, label)
            if label not in self.labels:
                self.labels.append(label)
        self._fit([(s.features, label) for s, label in examples])

    def _fit(self, examples: list[tuple[Features, str]]) -> None:
        n = len(examples)
        self.centroids: dict[str, list[float]] = {}
        self.scale: list[float] = [0.0] * 4
        self.weights: list[float] = [0.0] * 4
        if not n:
            return
        means = [sum(f[j] for f, _ in examples) / n for j in range(4)]
        stds = [math.sqrt(sum((f[j] - means[j]) ** 2 for f, _ in examples) / n) for j in range(4)]
        self.scale = [1.0 / s if s > 1e-9 else 0.0 for s in stds]
        z = [([(f[j] - means[j]) * self.scale[j] for j in range(4)], label) for f, label in examples]
        self._means = means
        groups: dict[str, list[list[float]]] = {label: [] for label in self.labels}
        for vec, label in z:
            groups[label].append(vec)
        # Medians and median absolute deviations: one odd image (a grey X-ray among colour photos)
        # must not drag a class's centre or make a good feature look noisy.
        self.centroids = {label: [_median([v[j] for v in vs]) for j in range(4)] for label, vs in groups.items()}
        for j in range(4):
            if self.scale[j] == 0.0:
                continue
            within = sum(
                (1.4826 * _median([abs(v[j] - self.centroids[label][j]) for v in vs])) ** 2 for label, vs in groups.items()
            ) / len(groups)
            centre = sum(c[j] for c in self.centroids.values()) / len(self.centroids)
            between = sum((c[j] - centre) ** 2 for c in self.centroids.values()) / len(self.centroids)
            self.weights[j] = between / (within + _WITHIN_FLOOR)

    def predict(self, seen: SeenImage) -> str | None:
        if seen.digest in self.memory:
            return self.memory[seen.digest]
        if not self.centroids:
            return None
        vec = [(seen.features[j] - self._means[j]) * self.scale[j] for j in range(4)]
        best, best_d = None, math.inf
        for label in self.labels:
            c = self.centroids[label]
            d = sum(self.weights[j] * (vec[j] - c[j]) ** 2 for j in range(4))
            if d < best_d:
                best, best_d = label, d
        return best


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def training_examples(jsonl: bytes, decode_image) -> list[tuple[SeenImage, str]]:
    """(image, answer) pairs of a chat-format training file, in file order; lines without an image
    or an assistant answer, and images that cannot be read, are left out (the service skips them)."""
    examples: list[tuple[SeenImage, str]] = []
    for line in jsonl.decode("utf-8-sig", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            messages = json.loads(line).get("messages") or []
        except (ValueError, AttributeError):
            continue
        examples += examples_from_messages(messages, decode_image)
    return examples


def examples_from_messages(messages: list, decode_image) -> list[tuple[SeenImage, str]]:
    """Each user message with an image followed by an assistant answer is one labeled example."""
    out: list[tuple[SeenImage, str]] = []
    for current, following in zip(messages, messages[1:]):
        if not (isinstance(current, dict) and isinstance(following, dict)):
            continue
        if current.get("role") != "user" or following.get("role") != "assistant":
            continue
        answer = following.get("content")
        if isinstance(answer, list):
            answer = "".join(p.get("text", "") for p in answer if isinstance(p, dict))
        if not isinstance(answer, str) or not answer.strip():
            continue
        for url in image_urls(current):
            seen = decode_image(url)
            if seen is not None:
                out.append((seen, answer))
    return out


def image_urls(message: dict) -> list[str]:
    content = message.get("content")
    if not isinstance(content, list):
        return []
    urls = []
    for part in content:
        if isinstance(part, dict) and part.get("type") == "image_url":
            image_url = part.get("image_url")
            if isinstance(image_url, dict) and isinstance(image_url.get("url"), str):
                urls.append(image_url["url"])
    return urls


def first_listed_class(text: str) -> str | None:
    """The first class of the list the prompt names: the text after the LAST ': ', up to ', ' or the
    end of the sentence ('. ', '?', a line break or the end). A name in double quotes is read as a
    JSON string (how the studio writes names that contain commas or quotes)."""
    at = text.rfind(": ")
    if at < 0:
        return None
    rest = text[at + 2 :].lstrip()
    if rest.startswith('"'):
        try:
            value, _ = json.JSONDecoder().raw_decode(rest)
        except ValueError:
            return None
        return value if isinstance(value, str) and value else None
    end = len(rest)
    for stop in (", ", ". ", "?", "\n"):
        i = rest.find(stop)
        if 0 <= i < end:
            end = i
    name = rest[:end]
    if end == len(rest):
        name = name.rstrip(".")
    return name.strip() or None
