"""Emails written in their reader's language, whatever the language of the request that sends them
(a moderator's page, a cron job, a thread of its own).

A sender gives a `compose` function that renders the subject and body in the *active* language;
`write` runs it under `translation.override`, so everything it does follows: gettext, templates'
`{% translate %}`, dates (`|date:"j F Y"` gives "5 Mawrth 2025"), and `reverse()`, which puts
`/cy/` in front of every link in a Welsh message (the site's `i18n_patterns`). So the context a
template needs must be made inside `compose`, not before it (a lazy string or a duration in words
made outside would keep the sender's language).

When the reader's language is not known (an invitation the moderator could not say, an account
whose holder has not chosen), the message is in both, Welsh first: the Welsh Language Standards
(Standards 1–7, on correspondence) ask a public body to write in Welsh to whoever wishes it and
never to treat Welsh less favourably than English, and a bilingual letter does that with no
preference recorded; Welsh public bodies put the Welsh first. The English reader is told, on the
first line, where the English is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import translation

from directory import mail

WELSH = "cy"
ENGLISH = "en"
BOTH = "both"  # Welsh, then English
LANGUAGES = (WELSH, ENGLISH, BOTH)

# Written in English on purpose: only the reader of English needs it, before the Welsh.
ENGLISH_BELOW = "Scroll down for English."
SEPARATOR = "-" * 40

Compose = Callable[[], tuple[object, str]]


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str


def write(language: str, compose: Compose) -> Letter:
    """The subject (on one line) and body `compose` renders in `language`; both languages, Welsh
    first, for BOTH."""
    if language not in LANGUAGES:
        raise ValueError(f"Unknown email language {language!r}")
    if language != BOTH:
        return _written_in(language, compose)
    welsh, english = _written_in(WELSH, compose), _written_in(ENGLISH, compose)
    return Letter(
        subject=f"{welsh.subject} / {english.subject}",
        body=f"{ENGLISH_BELOW}\n\n{welsh.body.strip()}\n\n{SEPARATOR}\n\n{english.body.strip()}\n",
    )


def _written_in(language: str, compose: Compose) -> Letter:
    with translation.override(language):
        subject, body = compose()
        # str() here, in the override: a lazy subject would otherwise be read in the sender's language.
        return Letter(subject=mail.subject_line(str(subject)), body=body)


def send_after_commit(readers: dict[str, list[str]], compose: Compose, *,
                      failed: Callable[[], None] | None = None, sent: Callable[[], None] | None = None) -> None:
    """Written once per language, sent to each address that reads it on its own (`readers`: language
    -> addresses), after the surrounding transaction commits (`directory.mail.send_after_commit`).

    `failed` is called for each language's message that did not go; `sent` once, when every one
    did (one that failed may have gone to some of its readers and not others, so what records it
    as told leaves it untold: better told twice than not at all)."""
    groups = {language: recipients for language, recipients in readers.items() if recipients}
    waiting = len(groups)

    def one_sent() -> None:
        nonlocal waiting
        waiting -= 1
        if waiting == 0 and sent is not None:
            sent()

    for language, recipients in groups.items():
        letter = write(language, compose)
        mail.send_after_commit(letter.subject, letter.body, recipients, failed=failed, sent=one_sent)
