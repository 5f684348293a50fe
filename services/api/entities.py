"""An entity across stored articles: name, forms seen and activity per day in a window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.api.common import parse_time, time_text
from services.api.models import EntityDay, EntityDetail
from shared.db.rows import article_from_payload
from shared.db.tables import article_entities, articles, story_members

# Forms are read from the payloads of the entity's latest articles, at most these many.
FORMS_FROM_ARTICLES = 20
MAX_FORMS = 50


async def get_entity(
    engine: AsyncEngine, key: str, *, days: int, until: date | None = None
) -> EntityDetail | None:
    """The entity `key` over the `days` UTC days ending with `until` (default: the day it was
    last seen); None when no stored article names it."""
    ae = article_entities
    latest = (
        select(ae.c.name, ae.c.label, ae.c.seen_at)
        .where(ae.c.entity_key == key)
        .order_by(ae.c.seen_at.desc(), ae.c.article_id.desc())
        .limit(1)
    )
    recent = (
        select(articles.c.payload)
        .join(ae, ae.c.article_id == articles.c.id)
        .where(ae.c.entity_key == key)
        .order_by(ae.c.seen_at.desc(), ae.c.article_id.desc())
        .limit(FORMS_FROM_ARTICLES)
    )
    async with engine.connect() as connection:
        last = (await connection.execute(latest)).first()
        if last is None:
            return None
        last_day = until or parse_time(last.seen_at).astimezone(UTC).date()
        first_day = last_day - timedelta(days=days - 1)
        day = func.substr(ae.c.seen_at, 1, 10)  # the UTC date of fixed-width ISO text
        window = (
            time_text(datetime.combine(first_day, time(), UTC)),
            time_text(datetime.combine(last_day + timedelta(days=1), time(), UTC)),
        )
        per_day = (
            select(
                day.label("day"),
                func.count().label("articles"),
                func.count(distinct(story_members.c.story_id)).label("stories"),
            )
            .select_from(ae.outerjoin(story_members, story_members.c.article_id == ae.c.article_id))
            .where(
                ae.c.entity_key == key,
                ae.c.seen_at >= window[0],
                ae.c.seen_at < window[1],
            )
            .group_by(day)
            .order_by(day)
        )
        counts = (await connection.execute(per_day)).all()
        payloads = (await connection.execute(recent)).scalars().all()
    forms: dict[str, None] = {}
    for payload in payloads:
        for entity in article_from_payload(payload).entities:
            if entity.key == key:
                forms.update(dict.fromkeys(entity.forms))
    return EntityDetail(
        key=key,
        name=last.name,
        label=last.label,
        forms=list(forms)[:MAX_FORMS],
        since=first_day,
        until=last_day,
        days=[
            EntityDay(day=date.fromisoformat(row.day), articles=row.articles, stories=row.stories)
            for row in counts
        ],
    )
