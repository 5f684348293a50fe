"""Event schemas: the contract between the services and with every outside consumer.

Each event is one JSON object in the `__data__` field of a Redis stream entry. Fields are only
ever added within a schema version; removing or changing the meaning of one bumps it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.ids import entity_key

SCHEMA_VERSION: Literal[1] = 1
# Bounds on what any producer may put in an article. NER needs roughly 1 GB of working memory
# per 100,000 characters, so 200,000 (about 30,000 words, beyond any news article) caps it.
MAX_TEXT_CHARS = 200_000
MAX_TITLE_CHARS = 2_000
# Sanitised HTML rides along for consumers that render it; markup makes it larger than the text.
MAX_HTML_CHARS = 500_000
# A story event lists member ids up to this many; a story larger than that reports its count.
MAX_STORY_EVENT_MEMBERS = 1_000


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = Field(
        default=SCHEMA_VERSION, description="Version of this event's schema."
    )
    id: str = Field(description="Stable article id (GUID, else canonical URL, else content).")


class SourceRef(BaseModel):
    """Where ingest found the article."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["file", "feed"]
    name: str = Field(description="File path or feed URL.")


class RawArticle(_Event):
    """An article as ingest normalised it, before enrichment (`newswire:articles:raw`)."""

    url: str | None = Field(default=None, description="Canonical URL, if the source gave one.")
    guid: str | None = Field(default=None, description="The source's own entry id, if any.")
    title: str | None = Field(
        default=None, max_length=MAX_TITLE_CHARS, description="Headline, if the source has one."
    )
    outlet: str | None = Field(default=None, description="Publisher named by the source.")
    text: str = Field(max_length=MAX_TEXT_CHARS, description="Plain article text.")
    html: str | None = Field(
        default=None,
        max_length=MAX_HTML_CHARS,
        description="Sanitised HTML the text was taken from (feeds), safe to render.",
    )
    revision: int = Field(
        default=1,
        ge=1,
        description="1 for a new article; +1 each time the source changes its title or text.",
    )
    published_at: datetime | None = Field(default=None, description="As the source states.")
    ingested_at: datetime = Field(description="When ingest published it (UTC).")
    source: SourceRef

    @field_validator("text", "html", "title", "outlet", "url", "guid")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        # PostgreSQL cannot store NUL in text or JSONB; refuse it here, where it is one bad event.
        if value is not None and "\x00" in value:
            msg = "contains NUL characters"
            raise ValueError(msg)
        return value


class Mention(BaseModel):
    """One occurrence of an entity: character offsets into `field`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: Literal["title", "text"]
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    label: str | None = None
    """This mention's own type where it differs from its entity's: a nationality word
    ("French") is NORP while it counts towards its country's entity (GPE). None: the
    entity's label."""


class Entity(BaseModel):
    """One real-world entity of an article, with every mention of it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(description="Canonical name: the full name, the country's common name, …")
    key: str = Field(
        default="",
        description="Stable across articles: the same entity gets the same key (LABEL:name).",
    )
    label: str = Field(description="spaCy/OntoNotes label: PERSON, ORG, GPE, …")
    count: int = Field(ge=1)
    forms: tuple[str, ...] = Field(
        default=(), description="Every surface form, possessives removed."
    )
    salience: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Share of the article's entity weight (title 3, lead 2, else 1).",
    )
    mentions: tuple[Mention, ...]

    @model_validator(mode="after")
    def _fill_from_older_events(self) -> Entity:
        # Events enriched before keys and forms existed still read as complete entities.
        if not self.key:
            object.__setattr__(self, "key", entity_key(self.label, self.text))
        if not self.forms:
            object.__setattr__(self, "forms", (self.text,))
        return self


class TopicEvidence(BaseModel):
    """A word or word pair of the article that pushed a topic, and how much."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(description="The word or word pair as the article first writes it.")
    count: int = Field(ge=1, description="How often the article uses it (title and body).")
    concept: str = Field(
        description="Name of the IPTC concept it supports: the topic itself (the classifier "
        "scores top-level topics, not finer concepts)."
    )
    concept_code: str = Field(description="That concept's QCode, e.g. medtop:16000000.")
    weight: float = Field(
        default=0.0,
        description="How much it pushed the topic: the model's weight for it times its "
        "TF-IDF value in the article (0 in events enriched before the trained classifier).",
    )


class Topic(BaseModel):
    """An IPTC Media Topic (top level) with its score and the evidence behind it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(description="IPTC QCode of the top-level topic, e.g. medtop:16000000.")
    label: str = Field(description="IPTC's en-US name, e.g. 'conflict, war and peace'.")
    score: float = Field(
        ge=0,
        le=1,
        description="Calibrated probability that this is the article's topic (a trained "
        "classifier, temperature-scaled on held-out data).",
    )
    evidence: tuple[TopicEvidence, ...] = Field(description="Strongest evidence first.")


class Keyphrase(BaseModel):
    """A salient noun phrase of the article (lemmatised) and the ways it is written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(description="The phrase's lemmatised, lower-case form.")
    score: float = Field(
        ge=0, description="Frequency × rarity in general English; higher ranks first."
    )
    forms: tuple[str, ...] = Field(description="The phrase as the article writes it.")


class ModelRef(BaseModel):
    """The NLP pipeline that produced an enrichment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str


class EnrichedArticle(RawArticle):
    """A raw article plus language, entities, topics, keyphrases (`newswire:articles:enriched`)."""

    language: str = Field(
        default="und",
        description="ISO 639-1 code of the text's language (CLD2); und: undetermined.",
    )
    entities: tuple[Entity, ...]
    topics: tuple[Topic, ...]
    keyphrases: tuple[Keyphrase, ...] = ()
    model: ModelRef
    enriched_at: datetime
    duplicate_of: str | None = Field(
        default=None,
        description="Id of the earliest article this one is a near-copy of (syndication, light "
        "edits); its entities, topics and keyphrases are that article's where the text agrees.",
    )
    duplicate_similarity: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Estimated Jaccard similarity of the two texts' 5-word shingles (MinHash).",
    )
    story_id: str | None = Field(
        default=None,
        description="The story (event) the article reports; never changes once given. None on "
        "the internal analysed stream, set on the enriched stream.",
    )


class StoryEntity(BaseModel):
    """An entity a story's articles name, weighted by salience summed over its articles."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(description="The entity's key (LABEL:name), as in articles.")
    text: str
    label: str
    weight: float = Field(ge=0, description="Summed salience over the story's articles.")


class StoryEvent(BaseModel):
    """A story was created, took an article in, or absorbed other stories (`newswire:stories`).

    Each event is a snapshot of the story after the change, so applying one twice is harmless
    and the highest `version` is the current state.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = SCHEMA_VERSION
    kind: Literal["created", "updated", "merged"]
    story_id: str = Field(description="The story's id, given by its first article, never reused.")
    article_id: str = Field(description="The article whose arrival caused this event.")
    version: int = Field(ge=1, description="Counts the story's changes; 1 when created.")
    title: str | None = Field(description="The headline of the story's first article.")
    first_seen: datetime = Field(description="Earliest article time (published, else ingested).")
    last_seen: datetime = Field(description="Latest article time.")
    member_count: int = Field(ge=1, description="Articles in the story, merged stories included.")
    members: tuple[str, ...] = Field(
        description=f"Article ids in arrival order; the first {MAX_STORY_EVENT_MEMBERS} only."
    )
    sources: tuple[str, ...] = Field(description="Outlets (else source names), first seen first.")
    entities: tuple[StoryEntity, ...] = Field(description="Top entities, heaviest first.")
    merged: tuple[str, ...] = Field(
        default=(),
        description="kind merged: the stories absorbed into this one; they get no more events "
        "and their articles are this story's now.",
    )
    emitted_at: datetime


class DeadLetter(BaseModel):
    """An entry a service could not process (`newswire:articles:dead`), kept with the reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = SCHEMA_VERSION
    article_id: str | None = Field(
        description="The article's id, when the payload had one (a story event's article_id)."
    )
    stage: str = Field(description="The consumer group that rejected it: enrich, store, …")
    stream: str = Field(description="The stream the entry was read from.")
    entry_id: str = Field(description="The entry's id in that stream.")
    error: str
    payload: str = Field(
        description="The entry's __data__ field as received (JSON text; empty when it had "
        "none), cut at 64,000 chars."
    )
    fields: dict[str, str] = Field(
        default_factory=dict,
        description="The entry's other fields as received, each value cut at 64,000 chars.",
    )
    failed_at: datetime
