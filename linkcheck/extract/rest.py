"""reStructuredText, read by docutils: the links a rendered page has, never code.

What counts: hyperlink references with a URL (`` `text <url>`_ ``, anonymous ones with `__`,
`name_` resolved to its target `.. _name: url`), targets nobody references (still cited in
the source), and standalone URLs in text — in paragraphs, lists, tables, footnotes, citations
and the content of directives (`note`, `seealso`, Sphinx's `versionadded` …). What does not:
literal blocks (`::`), inline literals, comments, `code-block` and other code directives,
and the links roles generate (`:pep:`, `:rfc:`, Sphinx's `:ref:`), which the author did not write.

Directives and roles docutils does not know (Sphinx's) are not errors here: a directive whose
name says code is read as code, any other as a container of text; an unknown role as literal
text. Nothing is fetched or included (`include` is off; `raw` content is read as the HTML or
LaTeX it is, never from its `file` or `url`). A block docutils cannot read (a malformed table)
is scanned as plain text, with a warning, and an "accessed …" note beside a URL dates it.

Boundaries of standalone URLs follow the rules of every other format (balanced parentheses,
`__init__` kept), found in the source where docutils saw the URL; line numbers come from the
source too, since docutils keeps them only for some nodes.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import Any

from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives, roles

from linkcheck.dates import parse_date
from linkcheck.extract.text import accessed_near, cite_in_text, snippet
from linkcheck.models import Citation, Extraction
from linkcheck.urls import classify_href, find_urls, href_to_url, normalise_url

__all__ = ["extract", "looks_like_rest"]

_CODE_DIRECTIVES = frozenset(
    """code code-block sourcecode literalinclude highlight doctest testcode testoutput testsetup
    testcleanup ipython jupyter-execute jupyter-input jupyter-output math graphviz digraph graph
    mermaid plantuml productionlist program-output command-output prompt console""".split()
)
_SETTINGS = {
    "report_level": 5,
    "halt_level": 5,
    "warning_stream": False,
    "file_insertion_enabled": False,
    "raw_enabled": False,
    "_disable_config": True,
    "smart_quotes": False,
    "syntax_highlight": "none",
    "line_length_limit": 10_000_000,
    "doctitle_xform": False,
    "sectsubtitle_xform": False,
}
_EXCLUDED = (nodes.literal_block, nodes.literal, nodes.comment, nodes.raw, nodes.system_message, nodes.doctest_block)
# reST's own link forms: an embedded URI, or a target definition; either tells reST from prose.
# Bounded repeats: unbounded, `[<http://` repeated with no `>` made the search quadratic (found
# by the linear-time property test: 9 s for 128 KB).
_REST_RE = re.compile(r"`[^`\n]{1,500}<https?://[^>\s`]{1,4000}>`__?|^\.\. _[^:\n]{1,500}:\s+https?://", re.M)
_DATE_LINE_RE = re.compile(r"^:?(?:Created|Date|Published)\s*:\s*(.+)$", re.M | re.I)


def looks_like_rest(text: str) -> bool:
    return _REST_RE.search(text[:200_000]) is not None


class _AnyOptions(dict[str, Any]):
    """An option spec that accepts every option (Sphinx directives have many)."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> Any:
        return directives.unchanged


class _Lenient(Directive):  # type: ignore[misc]
    """An unknown directive: any arguments, any options, content."""

    has_content = True
    optional_arguments = 10
    final_argument_whitespace = True
    option_spec = _AnyOptions()


class _Code(_Lenient):
    def run(self) -> list[nodes.Node]:
        return [nodes.literal_block("", "\n".join(self.content))]


class _Raw(_Lenient):
    """`raw`: its content kept, to be read as the format it names. Never the `file` or `url`
    options (docutils' own `raw` reads them: nothing is fetched or read here)."""

    required_arguments = 1
    optional_arguments = 0

    def run(self) -> list[nodes.Node]:
        node = nodes.raw("", "\n".join(self.content), format=self.arguments[0].lower())
        node["first_line"] = self.content_offset + 1
        return [node]


class _Container(_Lenient):
    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        if self.arguments:
            text_nodes, messages = self.state.inline_text(" ".join(self.arguments), self.lineno)
            container += nodes.paragraph("", "", *text_nodes)
        self.state.nested_parse(self.content, self.content_offset, container)
        return [container]


def _literal_role(
    name: str, rawtext: str, text: str, lineno: int, inliner: Any, options: Any = None, content: Any = None
) -> tuple[list[nodes.Node], list[nodes.Node]]:
    return [nodes.literal(rawtext, text)], []


@contextlib.contextmanager
def _lenient() -> Iterator[None]:
    """Unknown directives and roles as above, for the length of one parse."""
    known_directive, known_role = directives.directive, roles.role

    def directive(name: str, language: Any, document: Any) -> tuple[Any, list[Any]]:
        if name.lower() in _CODE_DIRECTIVES:
            return _Code, []
        if name.lower() == "raw":
            return _Raw, []
        found, messages = known_directive(name, language, document)
        return (found or _Container), []

    def role(name: str, language: Any, lineno: int, reporter: Any) -> tuple[Any, list[Any]]:
        if name.lower() in ("pep", "rfc", "pep-reference", "rfc-reference"):
            return _literal_role, []
        found, messages = known_role(name, language, lineno, reporter)
        return (found or _literal_role), []

    directives.directive, roles.role = directive, role
    try:
        yield
    finally:
        directives.directive, roles.role = known_directive, known_role


def _in_code(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, _EXCLUDED):
            return True
        parent = parent.parent
    return False


class _Locator:
    """Where each URL sits in the source, in document order: its line, and its exact text."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.cursor = 0
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def find(self, text: str) -> int:
        position = self.source.find(text, self.cursor)
        if position < 0:
            position = self.source.find(text)
        if position >= 0:
            self.cursor = position + len(text)
        return position

    def line(self, position: int) -> int | None:
        return bisect.bisect_right(self.line_starts, position) if position >= 0 else None


def extract(text: str, document: str, warn: Callable[[str], None] | None = None) -> Extraction:
    try:
        with _lenient():
            tree = publish_doctree(text, settings_overrides=_SETTINGS)
    except Exception as exc:  # docutils raises what its parser meets (SystemMessage among others)
        if warn is not None:
            warn(f"{document}: not parsed as reStructuredText ({type(exc).__name__}); URLs found by a plain scan")
        return Extraction(document, "rest", citations=cite_in_text(text, document))
    citations: list[Citation] = []
    locator = _Locator(text)
    cited: set[str] = set()

    def add(href: str, label: str, position: int, end: int | None = None) -> None:
        if classify_href(href) != "url":
            return
        url, fragment = normalise_url(href_to_url(href))
        cited.add(url)
        date = accessed_near(text, position, end) if position >= 0 and end is not None else None
        citations.append(
            Citation(
                url,
                document,
                locator.line(position),
                label.strip()[:200],
                fragment=fragment,
                date=date,
                date_source="accessed" if date else None,
            )
        )

    for node in tree.findall(lambda n: isinstance(n, (nodes.reference, nodes.target))):
        uri = node.get("refuri")
        if not uri or _in_code(node):
            continue
        if isinstance(node, nodes.target):
            continue  # targets: after the references, only those nobody cited
        label = node.astext()
        if label != uri:  # a named or embedded reference: where it is written, not its target
            written = node.rawsource or ""
            position = locator.find(written) if written else -1
            if position >= 0:
                add(uri, label, position, position + len(written))
            else:
                position = locator.find(uri)
                add(uri, label, position, position + len(uri))
            continue
        # A standalone URL: its boundaries by the common rules, from the source.
        position = locator.find(uri)
        if position < 0:
            add(uri, label, position)
            continue
        matches = find_urls(text[position : position + len(uri) + 2000])
        if matches and matches[0].start == 0:
            end = position + matches[0].end
            locator.cursor = max(locator.cursor, end)
            add(text[position:end], snippet(text, position, end), position, end)
        else:
            add(uri, snippet(text, position, position + len(uri)), position, position + len(uri))
    for node in tree.findall(nodes.target):
        uri = node.get("refuri")
        if uri and not _in_code(node) and normalise_url(href_to_url(uri))[0] not in cited:
            names = node.get("names") or [""]
            add(uri, names[0], text.find(uri))
    citations.extend(_unrendered(tree, text, document, warn))
    # A substitution's reference (`.. |logo| image:: … :target: url`) is copied where it is used:
    # the same link, once.
    unique: dict[tuple[str, int | None], Citation] = {}
    for citation in citations:
        unique.setdefault((citation.url, citation.line), citation)
    citations = list(unique.values())
    citations.sort(key=lambda c: c.line or 0)
    date, source = _document_date(tree, text)
    return Extraction(document, "rest", citations=citations, date=date, date_source=source)


def _unrendered(
    tree: nodes.document, text: str, document: str, warn: Callable[[str], None] | None
) -> Iterator[Citation]:
    """What a rendered page shows that docutils did not parse as reST: `raw` HTML or LaTeX, read
    as that format; a block docutils could not read (a malformed table), whose source it keeps
    in an error message, scanned as plain text, with a warning."""
    from linkcheck.extract import html as html_extract
    from linkcheck.extract import latex as latex_extract

    for raw in tree.findall(nodes.raw):
        if _in_code(raw) or "first_line" not in raw:
            continue
        content, first_line = raw.astext(), raw["first_line"]
        if raw.get("format") == "html":
            yield from html_extract.extract(content, document, first_line=first_line).citations
        elif raw.get("format") == "latex":
            for citation in latex_extract.extract(content, document).citations:
                yield dataclasses.replace(citation, line=(citation.line or 1) + first_line - 1)
    for message in tree.findall(nodes.system_message):
        if message.get("level", 0) < 3 or _in_code(message):
            continue
        for block in message.findall(nodes.literal_block):
            source = block.astext()
            position = text.find(source)
            first_line = text.count("\n", 0, position) + 1 if position >= 0 else message.get("line") or 1
            found = cite_in_text(source, document, first_line=first_line)
            if found and warn is not None:
                reason = " ".join(message.children[0].astext().split()) if message.children else "error"
                warn(
                    f"{document}: line {first_line}: not read as reStructuredText ({reason}); "
                    "URLs there found by a plain scan"
                )
            yield from found


def _document_date(tree: nodes.document, text: str) -> tuple[str | None, str | None]:
    """A `:Date:` field (docinfo), or a PEP-style `Created:` header at the top."""
    for field in tree.findall(nodes.date):
        if (value := parse_date(field.astext())) is not None:
            return value, "docinfo"
    head = "\n".join(text.splitlines()[:40])
    if (match := _DATE_LINE_RE.search(head)) and (value := parse_date(match.group(1))) is not None:
        return value, "header"
    return None, None
