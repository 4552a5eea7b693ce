"""Services A to Z: published services by name, one letter at a time, in the page's language.

A social worker who knows a service's name can find it without typing that name anywhere the
server sees: the search deliberately has no free-text box (what is typed goes into the address,
logs and caches, and a worried worker could type a child's name). The letter is the only thing
the page is asked for; the page's own filter box runs in the browser (js/list-filter.js).

The letter a service is listed under is the first character of its name in the page's language
(the Welsh name on Welsh pages where there is one, else the English), lower-cased, its accent taken
off ("Ŵyr" under W, "École" under E: SQLite's lower() leaves any letter but A to Z as it is, so
this is done here, over the few distinct first characters the database groups the names by);
anything else (a digit, a quotation mark) is listed under "0–9 and other". The
Welsh alphabet's digraphs (ch, dd, ll, ...) are listed under their first letter, as Welsh
directories that use the Latin A to Z do. Done in SQL, so a letter's page and the count of
services per letter are one query each however many services there are.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass

from django.db.models import CharField, Count, F, QuerySet, Value
from django.db.models.functions import Coalesce, Lower, NullIf, Substr, Trim
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from directory.models import Service

OTHER = "0-9"  # the "letter" of names that do not start with a to z
LETTERS: tuple[str, ...] = (*string.ascii_lowercase, OTHER)
PAGE_SIZE = 50  # short rows, not search cards: a phone scrolls 50 easily; a letter has ~1,500 nationally


def letter_label(letter: str) -> str:
    """What the letter's link and heading say: "B", or "0–9 and other"."""
    return str(_("0–9 and other")) if letter == OTHER else letter.upper()


@dataclass(frozen=True)
class LetterChoice:
    letter: str  # as in the address: "b", or OTHER
    notice: str  # what the page says when the letter asked for was not one


def parse_letter(raw: str | None, counts: dict[str, int]) -> LetterChoice:
    """The letter to show for `?letter=`: the one asked for, any case, if it is one of LETTERS;
    otherwise the first letter that has services (A on an empty directory), with a notice when
    something was asked for. Never an error: a mistyped link still shows a useful page."""
    first = next((letter for letter in LETTERS if counts.get(letter)), LETTERS[0])
    if raw is None or raw == "":
        return LetterChoice(first, "")
    wanted = raw.strip().lower()
    if wanted in LETTERS:
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
    return queryset.annotate(az_name=Lower(_sort_name(language))).annotate(az_first=Substr(F("az_name"), 1, 1))


def letter_of(first: str) -> str:
    """The letter of LETTERS a name starting with the character `first` is listed under (pure)."""
    base = unicodedata.normalize("NFKD", first)[:1].lower()
    return base if base and base in string.ascii_lowercase else OTHER


@dataclass(frozen=True)
class LetterIndex:
    counts: dict[str, int]  # services per letter of LETTERS (letters with none left out)
    firsts: dict[str, frozenset[str]]  # the first characters, as the database gives them, of each letter


def letter_index(*, language: str | None = None) -> LetterIndex:
    """How many published services each letter lists, and which first characters make it up.
    One query, grouped by first character in the database."""
    rows = (_with_letter(Service.objects.published(), language or _language())
            .order_by().values("az_first").annotate(n=Count("pk")))
    counts: dict[str, int] = {}
    firsts: dict[str, set[str]] = {}
    for row in rows:
        first = row["az_first"] or ""
        letter = letter_of(first)
        counts[letter] = counts.get(letter, 0) + row["n"]
        firsts.setdefault(letter, set()).add(first)
    return LetterIndex(counts, {letter: frozenset(chars) for letter, chars in firsts.items()})


def service_letter_counts(*, language: str | None = None) -> dict[str, int]:
    """How many published services each letter of LETTERS lists (letters with none left out)."""
    return letter_index(language=language).counts


def service_list_by_letter(*, letter: str, language: str | None = None,
                           index: LetterIndex | None = None) -> QuerySet[Service]:
    """Published services whose shown name starts with `letter` (OTHER: with anything but a to z,
    accents aside), alphabetically by that name, with their organisation and areas: two queries for
    a page, given the `index` already read (one more without)."""
    language = language or _language()
    index = index or letter_index(language=language)
    queryset = _with_letter(Service.objects.published(), language)
    queryset = queryset.filter(az_first__in=sorted(index.firsts.get(letter, ())))
    return (queryset.select_related("organisation").prefetch_related("coverage_areas")
            .order_by("az_name", "organisation__name", "pk"))
