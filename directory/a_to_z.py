"""Services A to Z: published services by name, one letter at a time, in the page's language.

A social worker who knows a service's name can find it without typing that name anywhere the
server sees: the search deliberately has no free-text box (what is typed goes into the address,
logs and caches, and a worried worker could type a child's name). The letter is the only thing
the page is asked for; the page's own filter box runs in the browser (js/list-filter.js).

The letter a service is listed under is the first character of its name in the page's language
(the Welsh name on Welsh pages where there is one, else the English), lower-cased, its accent taken
off ("Ŵyr" under W, "École" under E: SQLite's lower() leaves any letter but A to Z as it is, so
this is done here, over the few distinct first characters the database groups the names by);
anything else (a digit, a quotation mark) is listed under "0–9 and other". Done in SQL, so a
letter's page and the count of services per letter are one query each however many services there are.

Welsh pages use the Welsh alphabet: a b c ch d dd e f ff g ng h i j l ll m n o p ph r rh s t th u w
y, the digraphs letters of their own ("Llamau" under Ll, after L; "Rhieni" under Rh, "Chwarae" under
Ch), in that order, and within a letter the names are in that order too ("Gwasanaeth Llys" after
"Gwasanaeth Lyn": l before ll; "Gwent" before "Gŵyl": accents count only between equal names).
What we chose, where practice differs:
- A name that starts with "ng" is under Ng. In Welsh a word starts with ng only by nasal mutation
  ("Nghymru"), and the dictionaries (Geiriadur Prifysgol Cymru, Geiriadur yr Academi) list those
  under Ng; an English name that starts so ("NGO…") is under Ng too on Welsh pages.
- Inside a name, "ng" is always the letter ng, as the Unicode (CLDR) Welsh collation that ICU and
  PostgreSQL's "cy-x-icu" use does: the careful dictionaries file the n + g of "Bangor" or
  "Llangollen" as two letters, which only the word's pronunciation tells. It changes only the order of
  names under one letter, never which letter a name is under ("Llangollen" is under Ll).
- The Welsh alphabet has no k, q, v, x or z, but an English name shown where a service has no Welsh
  one may start with one ("Vale of Glamorgan …"): such a letter is listed in its Latin place (v between
  u and w) when a name starts with it, rather than under "0–9 and other", where nobody looks.
The first two characters of the shown name decide its Welsh letter (grouped by in SQL, as the first
character is in English); the order within a letter is Python's (`welsh_sort_key`), over the
letter's names and ids read in one query, and a page's services are then read by id: four queries
a page, as in English, however many services a letter has.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

from django.db.models import CharField, Count, F, QuerySet, Value
from django.db.models.functions import Coalesce, Lower, NullIf, Substr, Trim
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from directory.models import Service

OTHER = "0-9"  # the "letter" of names that do not start with a to z
LETTERS: tuple[str, ...] = (*string.ascii_lowercase, OTHER)
# The Welsh alphabet, in its order.
WELSH_ALPHABET: tuple[str, ...] = (
    "a", "b", "c", "ch", "d", "dd", "e", "f", "ff", "g", "ng", "h", "i", "j", "l", "ll", "m", "n", "o", "p",
    "ph", "r", "rh", "s", "t", "th", "u", "w", "y",
)
DIGRAPHS = frozenset(letter for letter in WELSH_ALPHABET if len(letter) == 2)
# Not Welsh letters: listed, in their Latin places, only when a shown (English) name starts with one.
NOT_WELSH = frozenset("kqvxz")
WELSH_LETTERS: tuple[str, ...] = (
    "a", "b", "c", "ch", "d", "dd", "e", "f", "ff", "g", "ng", "h", "i", "j", "k", "l", "ll", "m", "n", "o", "p",
    "ph", "q", "r", "rh", "s", "t", "th", "u", "v", "w", "x", "y", "z", OTHER,
)
_WELSH_RANK = {letter: rank for rank, letter in enumerate(WELSH_LETTERS[:-1])}
PAGE_SIZE = 50  # short rows, not search cards: a phone scrolls 50 easily; a letter has ~1,500 nationally


def letters(language: str | None = None) -> tuple[str, ...]:
    """Every letter a page in this language can list (in its order, "0–9 and other" last)."""
    return WELSH_LETTERS if (language or _language()) == "cy" else LETTERS


def letters_shown(counts: dict[str, int], language: str | None = None) -> list[str]:
    """The letters the page's list of letters shows: the alphabet's own, with or without services,
    and a letter from outside it (k on a Welsh page) only when a name is listed under it."""
    language = language or _language()
    return [letter for letter in letters(language)
            if counts.get(letter) or not (language == "cy" and letter in NOT_WELSH)]


def letter_label(letter: str) -> str:
    """What the letter's link and heading say: "B", "Ll" (as the Welsh alphabet is written), or
    "0–9 and other"."""
    return str(_("0–9 and other")) if letter == OTHER else letter.capitalize()


@dataclass(frozen=True)
class LetterChoice:
    letter: str  # as in the address: "b", or OTHER
    notice: str  # what the page says when the letter asked for was not one


def parse_letter(raw: str | None, counts: dict[str, int], language: str | None = None) -> LetterChoice:
    """The letter to show for `?letter=`: the one asked for, any case, if it is one of the page's
    language's letters; otherwise the first letter that has services (A on an empty directory), with a
    notice when something was asked for. Never an error: a mistyped link still shows a useful page."""
    alphabet = letters(language)
    first = next((letter for letter in alphabet if counts.get(letter)), alphabet[0])
    if raw is None or raw == "":
        return LetterChoice(first, "")
    wanted = raw.strip().lower()
    if wanted in alphabet:
        return LetterChoice(wanted, "")
    shown = raw[:20]  # a long value is not echoed in full
    return LetterChoice(first, str(_("There is no letter “%(letter)s” in the list; showing %(shown)s.")
                                   % {"letter": shown, "shown": letter_label(first)}))


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def _sort_name(language: str) -> Coalesce | Trim:
    """The name the page shows, as SQL: Welsh where given, else English; spaces around it ignored."""
    if language == "cy":
        # As modeltranslation reads `name`: the Welsh column unless it is empty. Its two field
        # classes are one type to SQL, which Django needs telling.
        return Trim(Coalesce(NullIf("name_cy", Value("")), "name_en", output_field=CharField()))
    return Trim("name_en")


def _with_letter(queryset: QuerySet[Service], language: str) -> QuerySet[Service]:
    # `az_first`: the characters that decide the letter (two in Welsh, for its digraphs).
    return queryset.annotate(az_name=Lower(_sort_name(language))).annotate(
        az_first=Substr(F("az_name"), 1, 2 if language == "cy" else 1))


def _plain(text: str) -> str:
    """Lower case, accents off ("Ŵy" → "wy"): SQLite's lower() leaves any letter but A to Z as it is."""
    return "".join(char for char in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(char))


def letter_of(first: str, language: str = "en") -> str:
    """The letter a name starting with `first` is listed under (pure): in English its first character,
    accent off, a to z; in Welsh the Welsh letter its first two characters begin with ("ll", "l", "ng")."""
    base = _plain(first)[:2]
    if language == "cy" and base in DIGRAPHS:
        return base
    base = base[:1]
    return base if base and base in string.ascii_lowercase else OTHER


def _welsh_letters(name: str) -> list[str]:
    """The name's letters as the Welsh alphabet reads them, lower case and accents off: a digraph
    where two characters make one ("llan" → ll, a, n), as the CLDR Welsh collation does."""
    plain, out, i = _plain(name), [], 0
    while i < len(plain):
        step = 2 if plain[i:i + 2] in DIGRAPHS else 1
        out.append(plain[i:i + step])
        i += step
    return out


def welsh_sort_key(name: str) -> tuple:
    """The name's place in Welsh alphabetical order (pure): by Welsh letters (l < ll < m), anything not a
    letter (a space, a digit, a mark) before the letters, then accents ("Gwyr" before "Gŵyr")."""
    letters_ = tuple((1, _WELSH_RANK[letter]) if letter in _WELSH_RANK else (0, ord(letter[0]))
                     for letter in _welsh_letters(name))
    return letters_, name.lower()


@dataclass(frozen=True)
class LetterIndex:
    counts: dict[str, int]  # services per letter of LETTERS (letters with none left out)
    firsts: dict[str, frozenset[str]]  # the first characters, as the database gives them, of each letter


def letter_index(*, language: str | None = None) -> LetterIndex:
    """How many published services each letter lists, and which first characters make it up.
    One query, grouped by first character in the database."""
    language = language or _language()
    rows = (_with_letter(Service.objects.published(), language)
            .order_by().values("az_first").annotate(n=Count("pk")))
    counts: dict[str, int] = {}
    firsts: dict[str, set[str]] = {}
    for row in rows:
        first = row["az_first"] or ""
        letter = letter_of(first, language)
        counts[letter] = counts.get(letter, 0) + row["n"]
        firsts.setdefault(letter, set()).add(first)
    return LetterIndex(counts, {letter: frozenset(chars) for letter, chars in firsts.items()})


def service_letter_counts(*, language: str | None = None) -> dict[str, int]:
    """How many published services each letter of LETTERS lists (letters with none left out)."""
    return letter_index(language=language).counts


class WelshOrdered(Sequence):
    """A Welsh letter's services in Welsh alphabetical order, for a Paginator: the order is known from
    the ids and names (one query, when made); a page's slice reads only its own services (two)."""

    def __init__(self, queryset: QuerySet[Service]) -> None:
        organisation = Coalesce(NullIf("organisation__name_cy", Value("")), "organisation__name_en",
                                output_field=CharField())
        rows = queryset.annotate(az_organisation=Lower(organisation)).values_list("pk", "az_name", "az_organisation")
        ordered = sorted(rows, key=lambda row: (welsh_sort_key(row[1] or ""), welsh_sort_key(row[2] or ""), row[0]))
        self.ids = [row[0] for row in ordered]
        self._services = queryset.select_related("organisation").prefetch_related("coverage_areas")

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Service: ...

    @overload
    def __getitem__(self, index: slice) -> list[Service]: ...

    def __getitem__(self, index: int | slice) -> Service | list[Service]:
        if isinstance(index, int):
            return self[index:index + 1 or None][0]
        ids = self.ids[index]
        by_id = {service.pk: service for service in self._services.filter(pk__in=ids)}
        return [by_id[service_id] for service_id in ids]


def service_list_by_letter(*, letter: str, language: str | None = None,
                           index: LetterIndex | None = None) -> QuerySet[Service] | WelshOrdered:
    """Published services whose shown name starts with `letter` (OTHER: with anything but a to z,
    accents aside), alphabetically by that name (in Welsh, in the Welsh alphabet's order), with their
    organisation and areas: two queries for a page, given the `index` already read (one more
    without), and one more for the Welsh order."""
    language = language or _language()
    index = index or letter_index(language=language)
    queryset = _with_letter(Service.objects.published(), language)
    queryset = queryset.filter(az_first__in=sorted(index.firsts.get(letter, ())))
    if language == "cy":
        return WelshOrdered(queryset)
    return (queryset.select_related("organisation").prefetch_related("coverage_areas")
            .order_by("az_name", "organisation__name", "pk"))
