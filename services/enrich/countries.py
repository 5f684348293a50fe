"""Countries under every name the news uses: names, official names, codes, adjectives.

The table is built from the `countryinfo` data package (names, alternative spellings, ISO
codes, demonyms) rather than a hand list, so "U.S.", "USA", "the United States" and "American"
are one country, as are "Russia", "Russian Federation" and "Russian".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_NOT_LETTERS = re.compile(r"[^\w]+", re.UNICODE)
# Two- and three-letter codes ("IN", "AT", "TO") are ordinary words or other acronyms far more
# often than countries; they count only where the model already tagged a place.
_PLACE_LABELS = frozenset({"GPE", "LOC", "NORP"})
_CODE_LENGTH = 3


@dataclass(frozen=True, slots=True)
class Country:
    """One country's canonical name and ISO 3166 alpha-3 code."""

    name: str
    code: str


@dataclass(frozen=True, slots=True)
class CountryRecord:
    """A country as the data package describes it."""

    name: str
    code: str
    area: float
    aliases: tuple[str, ...]
    demonym: str | None


def alias_key(surface: str) -> str:
    """The lookup form of a name: case, dots, spaces and punctuation ignored ("U.S." = "us")."""
    return _NOT_LETTERS.sub("", surface).casefold()


class CountryAliases:
    """Looks up which country, if any, a mention names."""

    def __init__(self, records: Iterable[CountryRecord]) -> None:
        self._names: dict[str, Country] = {}
        self._codes: dict[str, Country] = {}
        self._demonyms: set[str] = set()
        # Larger countries first: a shared adjective ("Chinese": China, Hong Kong) or name
        # belongs to the country the news means by it far more often.
        for record in sorted(records, key=lambda r: -r.area):
            country = Country(record.name, record.code)
            if record.demonym:
                self._demonyms.add(alias_key(record.demonym))
            for alias in (record.name, *record.aliases, record.demonym or ""):
                key = alias_key(alias)
                if not key:
                    continue
                table = self._codes if len(key) <= _CODE_LENGTH and alias.isupper() else self._names
                table.setdefault(key, country)

    def lookup(self, surface: str, label: str) -> Country | None:
        """The country `surface` names, given the label the model gave it."""
        key = alias_key(surface)
        country = self._names.get(key)
        if country is None and label in _PLACE_LABELS:
            # Codes, and demonyms in the plural ("the Ukrainians"), only where a place is meant.
            country = self._codes.get(key) or self._names.get(key.removesuffix("s"))
        return country

    def is_nationality(self, surface: str) -> bool:
        """Whether `surface` is a people's name ("French", "the Russians"), not a place's."""
        key = alias_key(surface)
        return key in self._demonyms or key.removesuffix("s") in self._demonyms


def load_country_aliases() -> CountryAliases:
    """The alias table from the installed `countryinfo` package (about 250 countries)."""
    import countryinfo

    records = []
    for entry in countryinfo.all_countries():
        info = entry.info()
        code = (info.get("ISO") or {}).get("alpha3")
        if not info.get("name") or not code:
            continue
        records.append(
            CountryRecord(
                name=info["name"],
                code=code,
                area=float(info.get("area") or 0),
                aliases=tuple(info.get("altSpellings") or ()),
                demonym=info.get("demonym") or None,
            )
        )
    return CountryAliases(records)
