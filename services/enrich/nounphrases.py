"""Keyphrase candidates without a parser: noun phrases read off part-of-speech tags.

The parser's noun chunks cost a parse of every article, and the parser with the attribute
ruler and lemmatiser after it took more time than the entity recogniser itself. A keyphrase
needs only a run of adjectives and nouns ending on a noun, which the tagger's fine-grained tags
give. The tagger (and the token-to-vector layer it listens to, which the recogniser does not
use: it has its own) reads only an article's head, its first `HEAD_TOKENS` tokens: the title
and the lead, where an article says what it is about. The lemmatiser's rules take plural nouns
and graded adjectives back to their base form, as the full pipeline did.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from spacy.attrs import TAG
from spacy.pipeline import Lemmatizer, Tagger, Tok2Vec

from services.enrich.keyphrases import PhraseOccurrence

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

HEAD_TOKENS = 300
# The tagger's Penn Treebank tags of the words a phrase is made of, as universal parts of speech.
_PHRASE_POS = {
    "NN": "NOUN",
    "NNS": "NOUN",
    "NNP": "PROPN",
    "NNPS": "PROPN",
    "JJ": "ADJ",
    "JJR": "ADJ",
    "JJS": "ADJ",
}
# Tags of forms that are not their own lemma ("talks", "higher"); the others are lower-cased.
_INFLECTED = frozenset({"NNS", "JJR", "JJS"})
_NOUNS = frozenset({"NOUN", "PROPN"})
_HYPHEN_TAG = "HYPH"
_MAX_PHRASE_WORDS = 4
_Component = TypeVar("_Component")


def _component(nlp: Language, name: str, kind: type[_Component]) -> _Component:
    component = nlp.get_pipe(name)
    if not isinstance(component, kind):
        msg = f"the pipeline's {name!r} is a {type(component).__name__}, not a {kind.__name__}"
        raise TypeError(msg)
    return component


def _head_end(text: str, doc: Doc) -> int:
    return len(text) if len(doc) <= HEAD_TOKENS else doc[HEAD_TOKENS].idx


class HeadTagger:
    """Tags the heads of docs the recogniser has read, and lemmatises their phrase words."""

    def __init__(self, nlp: Language) -> None:
        self._make_doc = nlp.make_doc
        self._tok2vec = _component(nlp, "tok2vec", Tok2Vec)
        self._tagger = _component(nlp, "tagger", Tagger)
        self._lemmatizer = _component(nlp, "lemmatizer", Lemmatizer)
        # Each rule's candidate form is tested against the lemma index, which the model keeps
        # as lists (up to 57,000 words scanned a test, a tenth of a millisecond a new word);
        # as sets the same test is one lookup. Nothing else reads the index.
        lookups = self._lemmatizer.lookups
        if lookups.has_table("lemma_index"):
            index = lookups.get_table("lemma_index")
            for pos, words in list(index.items()):
                index[pos] = frozenset(words)

    def heads(self, read: Iterable[tuple[str, Doc]], batch_size: int) -> Iterator[Doc]:
        """For each text and the doc the recogniser made of it, the doc's first `HEAD_TOKENS`
        tokens as a new tagged doc (same offsets), in order."""
        # Tokenising the head's text again costs less than copying the doc's tokens out; the
        # text is passed in because a doc builds its `.text` from a Token object per word.
        copies = (self._make_doc(text[: _head_end(text, doc)]) for text, doc in read)
        vectors = self._tok2vec.pipe(copies, batch_size=batch_size)
        return iter(self._tagger.pipe(vectors, batch_size=batch_size))

    def lemma(self, token: Token) -> str:
        """The lower-case lemma of a phrase word."""
        if token.tag_ not in _INFLECTED:
            return token.lower_
        # The lemmatiser's rules are chosen by the universal part of speech, which the
        # attribute ruler (not run) would have set.
        token.pos_ = _PHRASE_POS[token.tag_]
        return str(self._lemmatizer.rule_lemmatize(token)[0]).lower()


def noun_phrases(doc: Doc) -> Iterator[list[Token]]:
    """Each maximal run of adjectives and nouns (a hyphen written close up inside it, as in
    "long-term plan"), cut back to its last noun."""
    # Tags read as one array: a Token object only for the words of a phrase.
    strings = doc.vocab.strings
    tags = [strings[tag] for tag in doc.to_array(TAG).tolist()]
    run: list[int] = []
    for i, tag in enumerate([*tags, None]):
        if tag in _PHRASE_POS:
            run.append(i)
            continue
        if tag == _HYPHEN_TAG and run and not doc[run[-1]].whitespace_:
            continue
        while run and _PHRASE_POS[tags[run[-1]]] not in _NOUNS:
            run.pop()
        if run:
            yield [doc[j] for j in run]
        run = []


def _is_content(token: Token) -> bool:
    """A word of letters only, not a stop word or a single letter."""
    return token.is_alpha and not token.is_stop and len(token) > 1


def phrase_words(phrase: list[Token]) -> list[Token]:
    """The content words of a noun phrase, or none if it has no common noun (names are
    entities, not topics) or is too long to be a topic."""
    words = [token for token in phrase if _is_content(token)]
    if not any(_PHRASE_POS[t.tag_] == "NOUN" for t in words) or len(words) > _MAX_PHRASE_WORDS:
        return []
    return words


def phrases_of(
    head: Doc, joined: str, body_start: int, tagger: HeadTagger
) -> list[PhraseOccurrence]:
    """Candidate topic phrases of a tagged head: the content words of each noun phrase,
    lemmatised; `joined` is the text the head's offsets point into, its body at `body_start`."""
    occurrences = []
    for phrase in noun_phrases(head):
        words = phrase_words(phrase)
        if not words:
            continue
        surface = joined[words[0].idx : words[-1].idx + len(words[-1])]
        lemmas = tuple(tagger.lemma(token) for token in words)
        occurrences.append(
            PhraseOccurrence(
                key=" ".join(lemmas),
                words=lemmas,
                surface=" ".join(surface.split()),
                in_title=phrase[0].idx < body_start,
            )
        )
    return occurrences
