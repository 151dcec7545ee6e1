"""Content drift: does a page that still answers say what was cited?

Pure functions over page bodies; the stage that fetches captures is drift_stage.py.

* **Main text** by trafilatura (`favor_precision`: navigation, footers, cookie banners, related
  lists, date widgets and comments stay out), measured against jusText and readability-lxml on
  the labelled corpus (benchmarks/drift_bench.py, README "Content drift").
* **Fingerprint**: the main text's word 3-shingles under 64 MinHash functions (`Fingerprint`,
  344 characters in the registry) — a compact estimate of the Jaccard similarity of two texts'
  shingle sets. Shingles, not single words: another article on the same subject shares most of
  its vocabulary but few three-word sequences; a corrected typo costs only the three shingles
  around it; an added paragraph lowers the score by its share of the text. The text itself is
  never stored.
* **Judgement** (`compare`): `drifted` below `DRIFTED_BELOW` similarity, unless the titles agree
  and the score is in the grey band just under it; `unknown` when the cited text is too short
  to judge (`MIN_WORDS`).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import struct
from dataclasses import dataclass

from linkcheck import classify

__all__ = ["Fingerprint", "Judgement", "Page", "compare", "fingerprint", "read_page", "title_similarity"]

PERMUTATIONS = 64
SHINGLE = 3
MIN_WORDS = 40  # fewer words than this in the cited text: too short to judge
# Only the first words are fingerprinted: a long article has under 10,000; a hostile page of a
# megabyte of distinct words would otherwise cost seconds of CPU (64 hashes per shingle).
MAX_WORDS = 20_000
DRIFTED_BELOW = 0.45  # a text sharing less than this of its shingles is not the cited one
GREY_FROM = 0.30  # from here up to DRIFTED_BELOW, agreeing titles say "the same page, edited"
_PRIME = (1 << 61) - 1
_MASK = (1 << 32) - 1
# The permutations' coefficients: fixed, so fingerprints from every run compare.
_COEFFICIENTS = [
    (
        int.from_bytes(hashlib.blake2b(f"a{i}".encode(), digest_size=8).digest(), "big") % (_PRIME - 1) + 1,
        int.from_bytes(hashlib.blake2b(f"b{i}".encode(), digest_size=8).digest(), "big") % _PRIME,
    )
    for i in range(PERMUTATIONS)
]
_WORD_RE = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Fingerprint:
    """A text's MinHash signature and its length in words."""

    minhash: tuple[int, ...]
    words: int

    def encode(self) -> str:
        return base64.b64encode(struct.pack(f">{len(self.minhash)}I", *self.minhash)).decode("ascii")

    @classmethod
    def decode(cls, text: str, words: int) -> Fingerprint:
        data = base64.b64decode(text.encode("ascii"), validate=True)
        if len(data) != 4 * PERMUTATIONS:
            raise ValueError(f"a fingerprint has {4 * PERMUTATIONS} bytes, not {len(data)}")
        return cls(struct.unpack(f">{PERMUTATIONS}I", data), words)

    def similarity(self, other: Fingerprint) -> float:
        """The estimated Jaccard similarity of the two texts' shingle sets."""
        if not self.words or not other.words:
            return 1.0 if self.words == other.words else 0.0
        same = sum(1 for a, b in zip(self.minhash, other.minhash, strict=True) if a == b)
        return same / PERMUTATIONS


@dataclass(frozen=True)
class Page:
    """What drift needs of a page: its title and its main text's fingerprint."""

    title: str
    fingerprint: Fingerprint


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD_RE.findall(text)]


def fingerprint(text: str) -> Fingerprint:
    words = _words(text)[:MAX_WORDS]
    if len(words) < SHINGLE:
        shingles = {" ".join(words)} if words else set()
    else:
        shingles = {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    hashes = [int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") for s in shingles]
    if not hashes:
        return Fingerprint((_MASK,) * PERMUTATIONS, 0)
    minhash = tuple(min(((a * h + b) % _PRIME) & _MASK for h in hashes) for a, b in _COEFFICIENTS)
    return Fingerprint(minhash, len(words))


def main_text(body: bytes) -> str:
    """The page's main text (article body), without its template; "" when none is found."""
    import trafilatura

    text = trafilatura.extract(
        body,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        include_links=False,
        include_images=False,
    )
    return text or ""


def page_title(body: bytes) -> str:
    """The page's <title> (classify's reading), its entities decoded: titles are compared as text."""
    return " ".join(html.unescape(classify.page_title(body)).split())


def read_page(body: bytes) -> Page:
    """Title and fingerprint of an HTML page (CPU-bound: tens of milliseconds)."""
    return Page(page_title(body), fingerprint(main_text(body)))


def title_similarity(a: str, b: str) -> float:
    """Word-set overlap of two titles, site names and separators ignored only by their small share."""
    left, right = set(_words(a)), set(_words(b))
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


@dataclass(frozen=True)
class Judgement:
    state: str  # "same", "drifted" or "unknown"
    similarity: float | None
    title_similarity: float | None
    reason: str


def compare(cited: Page, now: Page) -> Judgement:
    """Whether the page now still holds the text that was cited (see the module's docstring)."""
    if cited.fingerprint.words < MIN_WORDS:
        why = f"the cited capture's main text is too short to judge ({cited.fingerprint.words} words)"
        return Judgement("unknown", None, None, why)
    score = round(cited.fingerprint.similarity(now.fingerprint), 2)
    titles = round(title_similarity(cited.title, now.title), 2)
    if now.fingerprint.words < MIN_WORDS:
        why = f"the page's main text is {now.fingerprint.words} words where {cited.fingerprint.words} were cited"
        return Judgement("drifted", score, titles, why)
    if score >= DRIFTED_BELOW:
        return Judgement("same", score, titles, f"{score:.0%} of the cited text's phrases are still there")
    if score >= GREY_FROM and titles >= 0.6:
        why = f"{score:.0%} of the cited text's phrases are still there, under the same title: edited, not replaced"
        return Judgement("same", score, titles, why)
    return Judgement("drifted", score, titles, f"only {score:.0%} of the cited text's phrases are still there")
