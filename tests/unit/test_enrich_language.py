"""Articles the English pipeline cannot read: marked with their language, never a crash."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from services.enrich.enricher import Enricher
from services.enrich.language import detect_language, prose_lines
from services.enrich.nlp import load_pipeline
from shared.schemas import RawArticle, SourceRef
from shared.settings import Settings

GERMAN = (
    "Der Stadtrat von Kleinfeld hat am Dienstag beschlossen, die alte Brücke über den Fluss "
    "zu sanieren. Die Arbeiten sollen im Frühjahr beginnen und etwa zwei Jahre dauern."
)
FRENCH = (
    "Le conseil municipal a voté mardi soir la rénovation de la bibliothèque centrale. "
    "Les travaux commenceront au printemps et dureront environ deux ans."
)
ENGLISH = (
    "The city council of Greyport voted on Tuesday to repair the old bridge over the river. "
    "Mayor Nadia Rahimi said the works would begin in spring and last about two years."
)


@cache
def _enricher() -> Enricher:
    return Enricher(load_pipeline(Settings().spacy_model))


def _article(article_id: str, text: str, title: str | None = None) -> RawArticle:
    return RawArticle(
        id=article_id,
        title=title,
        text=text,
        ingested_at=datetime(2026, 3, 1, tzinfo=UTC),
        source=SourceRef(kind="file", name=f"{article_id}.txt"),
    )


def test_other_languages_are_marked_and_left_unannotated_beside_english() -> None:
    german, english, french = _enricher().enrich(
        [_article("de", GERMAN), _article("en", ENGLISH), _article("fr", FRENCH)]
    )
    assert (german.language, english.language, french.language) == ("de", "en", "fr")
    for other in (german, french):
        assert (other.entities, other.topics, other.keyphrases) == ((), (), ())
        assert other.text in (GERMAN, FRENCH)  # the article itself goes on unchanged
    assert "Nadia Rahimi" in {e.text for e in english.entities}
    assert english.keyphrases


def test_text_too_short_to_tell_is_undetermined_and_still_enriched() -> None:
    (short,) = _enricher().enrich([_article("short", "Talks in Geneva.", title="NATO")])
    assert short.language == "und"
    assert {"Geneva", "NATO"} <= {e.text for e in short.entities}


def test_unreadable_text_does_not_crash_the_batch() -> None:
    odd = ["\u200b" * 50, "🙂" * 300, "1234567890 " * 40, "x" * 5000, "Ünïcödé " * 30]
    enriched = _enricher().enrich([_article(f"odd{n}", text) for n, text in enumerate(odd)])
    assert [a.id for a in enriched] == [f"odd{n}" for n in range(len(odd))]


RESULTS_TABLE = (
    "ATHLETICS - GREYPORT MEETING RESULTS .\n"
    "GREYPORT 2026-03-01\n"
    "Leading results at the Greyport athletics meeting on Sunday :\n"
    "Women 's 100 metres hurdles\n"
    "1. Michelle Freeman ( Jamaica ) 12.71 seconds\n"
    "2. Ludmila Engquist ( Sweden ) 12.74\n"
    "3. Aliuska Lopez ( Cuba ) 12.92\n"
    "4. Brigita Bokovec ( Slovenia ) 12.95\n"
    "Hajduk 2 Proleter 0\nZemun 1 Rad 0\nBorac 1 Mladost 2\n"
)


def test_a_results_table_in_english_is_never_silenced() -> None:
    assert detect_language(RESULTS_TABLE) in ("en", "und")
    (table,) = _enricher().enrich([_article("table", RESULTS_TABLE)])
    assert {"Michelle Freeman", "Jamaica", "Sweden"} <= {e.text for e in table.entities}


def test_only_prose_lines_are_judged() -> None:
    assert prose_lines(RESULTS_TABLE) == (
        "Leading results at the Greyport athletics meeting on Sunday :"
    )
    names_only = "\n".join(["Kristaps Ozolins 12", "Jurgis Berzins 14", "Ieva Kalnina 9"] * 5)
    assert detect_language(names_only) == "und"  # no prose: the model's language is used


def test_mixed_snippets_take_the_language_of_their_prose() -> None:
    english_with_quote = ENGLISH + '\n"Die Arbeiten sollen im Frühjahr beginnen," he added.'
    german_with_quote = GERMAN + '\nEr sagte: "We will start in spring, as planned."'
    assert detect_language(english_with_quote) == "en"
    assert detect_language(german_with_quote) == "de"
