"""Keyphrase evaluation: the public set's reader and the at-k scores."""

from __future__ import annotations

import io
import zipfile

import pytest
from rich.console import Console

from evaluation.keyphrasedata import read_kpcrowd
from evaluation.keyphrasescore import keyphrase_report, normalised, score_at
from evaluation.topicsources import SourceError
from newswire.evaluation import PublicReports, print_reports


def _archive(files: dict[str, str]) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return zipfile.ZipFile(buffer)


def test_phrases_match_by_their_words_stems_whatever_the_case() -> None:
    assert normalised("Interest Rate Cuts") == normalised("interest rate cut")
    assert normalised("rate-cuts") == normalised("rate cut")
    assert normalised("rates") != normalised("rated cut")


def test_scores_at_k_count_only_the_first_k_and_average_over_articles() -> None:
    ranked = [["bridge", "council", "a", "b", "c", "budget cuts"], ["storm"]]
    gold = [{"Budget cut", "bridges", "mayor"}, {"flood"}]
    at5 = score_at(ranked, gold, 5)
    # First article: "bridge" right of 5 (the budget cut is sixth); second: nothing right.
    assert at5.precision == pytest.approx((1 / 5 + 0) / 2)
    assert at5.recall == pytest.approx((1 / 3 + 0) / 2)
    at10 = score_at(ranked, gold, 10)
    assert at10.precision == pytest.approx((2 / 6 + 0) / 2)
    first_f1 = 2 * (2 / 6) * (2 / 3) / (2 / 6 + 2 / 3)
    assert at10.f1 == pytest.approx(first_f1 / 2)


def test_a_phrase_predicted_twice_counts_once() -> None:
    assert score_at([["cuts", "cut"]], [{"cut"}], 5).precision == 1.0


def test_the_report_adds_names_after_the_keyphrases() -> None:
    report = keyphrase_report("set", [["budget"]], [["Greyport"]], [{"greyport", "budget"}])
    figures = report.figures()
    assert figures["keyphrases_r@5"] == 0.5
    assert figures["with_names_r@5"] == 1.0
    assert figures["documents"] == 1


def test_the_reader_splits_headline_from_text_and_skips_headline_only_items() -> None:
    archive = _archive(
        {
            "set/docsutf8/a-1.txt": "Bridge to close\r\nThe old bridge closes.\r\nMore.\r\n",
            "set/keys/a-1.key": "bridge\nold bridge\n\nbridge\n",
            "set/docsutf8/a-2.txt": "A headline alone\r\n",
            "set/keys/a-2.key": "headline\n",
        }
    )
    (article,) = read_kpcrowd(archive)
    assert (article.id, article.title) == ("a-1", "Bridge to close")
    assert article.text == "The old bridge closes.\nMore."
    assert article.keyphrases == ("bridge", "old bridge")


def test_an_article_without_its_keyphrases_is_an_error() -> None:
    with pytest.raises(SourceError, match=r"a-1\.key"):
        read_kpcrowd(_archive({"set/docsutf8/a-1.txt": "Title\nText."}))


def test_evaluate_prints_the_keyphrase_figures_as_a_table_and_as_json() -> None:
    report = keyphrase_report("set tune", [["budget"]], [[]], [{"budget"}])
    for as_json in (False, True):
        console = Console(record=True, width=200)
        print_reports(
            [], PublicReports(keyphrases=[report]), console, as_json=as_json, details=False
        )
        out = console.export_text()
        assert "keyphrases_f1@5" in out
        assert "set tune" in out
