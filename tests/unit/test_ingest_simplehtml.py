"""The parser-free reading of simple paragraphs gives what the lxml path gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ingest.html import _clean_tree, clean_html
from services.ingest.simplehtml import simple_paragraphs

_BASE = "https://example.com/news/story.html"
# Any text the input filters leave (no controls but tab and newline, no surrogates or
# non-characters), with the spaces lxml and Python see differently; and words in runs of
# ASCII whitespace, which a wide alphabet seldom draws.
_TEXT = st.one_of(
    st.text(
        alphabet=st.characters(
            categories=("L", "M", "N", "P", "S", "Zs", "Zl", "Zp"),
            exclude_characters="<>&",
            include_characters="\n\t\xa0\u3000\u2028\ufeff",
        ),
        max_size=12,
    ),
    st.text(alphabet="ab \n\t", max_size=12),
)
_INLINE = st.sampled_from(
    [
        *("b", "i", "em", "strong", "u", "s", "small", "sub", "sup"),
        *("code", "mark", "span", "abbr", "cite", "q"),
    ]
)
_INLINE_ELEMENTS = st.builds(lambda tag, text: f"<{tag}>{text}</{tag}>", _INLINE, _TEXT)
_PARAGRAPHS = st.builds(
    lambda parts, tail: f"<p>{''.join(parts)}</p>{tail}",
    st.lists(st.one_of(_TEXT, _INLINE_ELEMENTS), max_size=4),
    _TEXT,
)
_SIMPLE = st.builds(
    lambda head, paragraphs: head + "".join(paragraphs),
    _TEXT,
    st.lists(_PARAGRAPHS, min_size=1, max_size=4),
)
# What the shortcut must leave to the parser: near misses of its grammar.
_NEAR_MISSES = st.sampled_from(
    [
        *("<p>", "</p>", "<b>", "</b>", "<P>", "<p >", "<br>", "<div>", "<a>", "<b title=x>"),
        *("<p/>", "<!-- c -->", "&amp;", "&#1;", "</i>", "<em>", "<script>x</script>"),
    ]
)
_MARKUP_CHARACTERS = st.text(alphabet="ab /<>&p", max_size=6)


@st.composite
def _one_character_off(draw: st.DrawFn) -> str:
    """A simple fragment with one markup character put anywhere in it."""
    fragment: str = draw(_SIMPLE)
    at = draw(st.integers(0, len(fragment)))
    character: str = draw(st.sampled_from("<>&/ P"))
    return fragment[:at] + character + fragment[at:]


@settings(max_examples=300)
@given(_SIMPLE)
def test_simple_paragraphs_clean_as_the_parser_cleans_them(fragment: str) -> None:
    assert simple_paragraphs(fragment) is not None
    assert clean_html(fragment) == _clean_tree(fragment, None)


@settings(max_examples=600)
@given(
    st.lists(
        st.one_of(_SIMPLE, _one_character_off(), _NEAR_MISSES, _MARKUP_CHARACTERS),
        min_size=1,
        max_size=8,
    ).map("".join)
)
def test_near_misses_clean_as_the_parser_cleans_them(fragment: str) -> None:
    if "<" in fragment or "&" in fragment:  # else the plain-text path, tested on its own
        assert clean_html(fragment, base_url=_BASE) == _clean_tree(fragment, _BASE)


@pytest.mark.parametrize(
    "fragment",
    [
        "no markup",
        "<b>inline</b> at the top",
        "<p>open",
        "<p><b>x</p></b>",
        "<p><b><i>nested</i></b></p>",
        "<p>a > b</p>",
        "> <p>a</p>",
        "<p>fish &amp; chips</p>",
        "<p><p>x</p></p>",
    ],
)
def test_other_markup_is_left_to_the_parser(fragment: str) -> None:
    assert simple_paragraphs(fragment) is None
