from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ingest.fulltext import extract_article_text

ROOT = Path(__file__).resolve().parents[2]
URL = "https://example.com/culture/floating-library"

PARAGRAPHS = [
    "The fictional harbour town of Exampleport opened a library on a converted ferry on Monday,"
    " giving residents of the outlying islands a place to borrow books without crossing to the"
    " mainland.",
    "The vessel, renamed the Paper Tide, carries roughly four thousand volumes, a reading room"
    " with twelve seats and a small workshop where volunteers repair damaged bindings during the"
    " quieter winter months.",
    "Librarian Morgan Sample said the idea came from schoolchildren who wrote letters to the town"
    " council asking why the islands had a weekly grocery boat but no way to reach the public"
    " library.",
    "The ferry will stop at five piers on a fortnightly timetable, and readers can reserve titles"
    " online before it arrives so that popular books are waiting for them on board.",
    "Council members said the running costs would be covered for three years by a local arts"
    " fund, after which the service will be reviewed against the number of loans it records.",
]

# Each of these sits in the page's boilerplate and must not reach the article text.
BOILERPLATE = [
    "Subscribe today",
    "Business",
    "We use cookies",
    "Most read",
    "Ten sandwiches ranked",
    "Advertisement",
    "Comments (2)",
    "reader42",
    "dogs are allowed",
    "All rights reserved",
    "Privacy policy",
    "dataLayer",
]

_BODY = "\n".join(f"        <p>{paragraph}</p>" for paragraph in PARAGRAPHS)
PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Harbour town opens floating library | Example Gazette</title>
  <link rel="stylesheet" href="/static/site.css">
  <script>window.dataLayer = [{{"page": "article"}}];</script>
</head>
<body>
  <header class="site-header">
    <a class="logo" href="/">Example Gazette</a>
    <nav class="main-nav">
      <ul>
        <li><a href="/world">World</a></li>
        <li><a href="/business">Business</a></li>
        <li><a href="/culture">Culture</a></li>
        <li><a href="/subscribe">Subscribe today and save half</a></li>
      </ul>
    </nav>
  </header>
  <div class="cookie-banner">We use cookies to improve your experience. Accept all?</div>
  <main>
    <article class="story">
      <h1>Harbour town opens floating library</h1>
      <p class="byline">By Jane Example, Culture correspondent</p>
      <div class="story-body">
{_BODY}
      </div>
    </article>
    <aside class="sidebar">
      <h2>Most read</h2>
      <ul>
        <li><a href="/a1">Ten sandwiches ranked by an anonymous panel</a></li>
        <li><a href="/a2">Weather: showers expected over the weekend</a></li>
        <li><a href="/a3">Local bakery wins award for longest baguette</a></li>
      </ul>
      <div class="ad">Advertisement: buy the new Example Phone now</div>
    </aside>
    <section id="comments" class="comments">
      <h2>Comments (2)</h2>
      <div class="comment"><p>reader42: What a lovely idea, wish we had one here!</p></div>
      <div class="comment"><p>boatfan: Does anyone know if dogs are allowed on board?</p></div>
    </section>
  </main>
  <footer class="site-footer">
    <p>Copyright 2026 Example Gazette. All rights reserved.</p>
    <p><a href="/privacy">Privacy policy</a> | <a href="/terms">Terms of use</a></p>
  </footer>
</body>
</html>
"""


def test_article_paragraphs_come_out_without_boilerplate() -> None:
    text = extract_article_text(PAGE, url=URL)
    assert text is not None
    paragraphs = text.split("\n\n")
    # The five body paragraphs, in order and whole, each one its own paragraph.
    start = paragraphs.index(PARAGRAPHS[0])
    assert paragraphs[start : start + len(PARAGRAPHS)] == PARAGRAPHS
    for phrase in BOILERPLATE:
        assert phrase not in text


def test_bytes_are_decoded_by_their_charset() -> None:
    page = PAGE.replace('charset="utf-8"', 'charset="windows-1252"').replace(
        "Librarian Morgan Sample", "Librarian Zoë Sample"
    )
    text = extract_article_text(page.encode("windows-1252"), url=URL)
    assert text is not None
    assert "Librarian Zoë Sample said" in text


def test_paragraphs_are_separated_by_one_blank_line() -> None:
    text = extract_article_text(PAGE.replace("Paper Tide,", "Paper\n   Tide,<br>"))
    assert text is not None
    for paragraph in text.split("\n\n"):
        assert paragraph
        assert paragraph == " ".join(paragraph.split())


BOILERPLATE_ONLY = """<html><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/about">About</a></nav>
<footer>Copyright 2026 Example Org. All rights reserved.</footer>
</body></html>"""


@pytest.mark.parametrize(
    "page",
    [
        b"",
        "",
        " \n\t ",
        b"\x00\xff\xfe\x1f\x8b\x08\x00garbage",
        "<html></html>",
        "<html><body><script>var x = 1;</script></body></html>",
        BOILERPLATE_ONLY,
    ],
)
def test_nothing_article_like_gives_none(page: bytes | str) -> None:
    assert extract_article_text(page, url=URL) is None


def test_extraction_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        msg = "network access during extraction"
        raise AssertionError(msg)

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    page = PAGE.replace("</head>", '<link rel="canonical" href="https://example.com/c"></head>')
    assert extract_article_text(page, url=URL) is not None


def test_trafilatura_is_imported_only_when_used() -> None:
    code = "import sys, services.ingest.fulltext; print('trafilatura' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.binary(max_size=500), st.text(max_size=500)))
def test_garbage_never_raises(page: bytes | str) -> None:
    text = extract_article_text(page)
    assert text is None or (text and text == text.strip())
