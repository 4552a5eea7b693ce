"""The Welsh interface: every template string translatable, the catalogue complete and compiled,
the language switcher keeping the page, and dates, numbers and area names in the page's language.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import axes
import django.conf
import django.contrib.admin
import django.contrib.auth
import pytest
import simple_history
from django.template import Context, Template
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format

from gaps.forms import quarter_label
from servicemap.settings import BASE_DIR

PO_PATH = BASE_DIR / "locale" / "cy" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# The same command as `make messages` (keep the two in step).
MAKEMESSAGES_ARGS = [
    "makemessages", "-l", "cy", "--no-obsolete", "--add-location=file",
    "-i", "node_modules", "-i", "staticfiles", "-i", "tests", "-i", "scripts",
]

# Words allowed outside translate tags, each with the reason.
ALLOWED_WORDS = {
    "servicemap": "the product's name, the same in both languages",
    "Cymraeg": "the language switcher names each language in that language",
    "English": "the language switcher names each language in that language",
}


# --- the template checker -------------------------------------------------------------------

# Attributes whose values people read or hear (others, such as class or href, are not text).
VISIBLE_ATTRIBUTES = ("alt", "title", "aria-label", "aria-description", "aria-roledescription", "placeholder")
_BLANKED = [
    re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S),
    re.compile(r"\{#.*?#\}", re.S),
    re.compile(r"\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S),
    re.compile(r"<script\b.*?</script>", re.S | re.I),
    re.compile(r"<style\b.*?</style>", re.S | re.I),
    re.compile(r"\{%.*?%\}", re.S),
    re.compile(r"\{\{.*?\}\}", re.S),
]
_TAG = re.compile(r"<[^>]*>", re.S)
_ATTRIBUTE = re.compile(r"""\s([\w:-]+)\s*=\s*("[^"]*"|'[^']*')""")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|\w+);", re.I)
_WORD = re.compile(r"[^\W\d_]{2,}")


def _blank(match: re.Match) -> str:
    # Keep the line breaks so reported line numbers stay right.
    return "\n" * match.group(0).count("\n")


def _visible_attribute_text(tag: str) -> str:
    texts = []
    for name, value in _ATTRIBUTE.findall(tag):
        lowered = name.lower()
        is_button_value = (
            lowered == "value"
            and tag.lower().startswith("<input")
            and re.search(r"type\s*=\s*[\"']?(submit|button|reset)", tag, re.I)
        )
        if lowered in VISIBLE_ATTRIBUTES or is_button_value:
            texts.append(value[1:-1])
    return " ".join(texts)


def untranslated_words(source: str) -> list[tuple[int, str]]:
    """(line, word) for each word a person would see that is not inside a translate tag."""
    text = source
    for pattern in _BLANKED:
        text = pattern.sub(_blank, text)
    text = _TAG.sub(lambda m: f" {_visible_attribute_text(m.group(0))} {_blank(m)}", text)
    text = _ENTITY.sub(" ", text)
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        found += [(number, word) for word in _WORD.findall(line) if word not in ALLOWED_WORDS]
    return found


def _template_files() -> list[Path]:
    roots = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]
    files = []
    for root in roots:
        if ".venv" in root.parts or "node_modules" in root.parts:
            continue
        files += [*root.rglob("*.html"), *root.rglob("*.txt")]
    return sorted(set(files))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Hello there</p>", ["Hello", "there"]),
        ('<img src="x.png" alt="A map">', ["map"]),
        ('<input type="submit" value="Search">', ["Search"]),
        ('<button type="submit" name="language" value="cy">{% translate "Go" %}</button>', []),
        ("<p>Hello</p><p>there</p>", ["Hello", "there"]),
        ('<nav aria-label="Main">', ["Main"]),
        ("<p>{% translate 'Hello' %} {{ service.name }}</p>", []),
        ("<p>{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}</p>", []),
        ('<a class="govuk-link" href="/search/?q=abc">{% translate "Search" %}</a>', []),
        ("{# a note #}{% comment %}Not shown{% endcomment %}<script>var words = 1;</script>", []),
        ("<p>servicemap &copy; 2025</p>", []),
    ],
)
def test_the_checker_finds_words_outside_translate_tags(source, expected):
    assert [word for _line, word in untranslated_words(source)] == expected


def test_every_template_string_is_marked_for_translation():
    problems = [
        f"{path.relative_to(BASE_DIR)}:{line}: {word}"
        for path in _template_files()
        for line, word in untranslated_words(path.read_text(encoding="utf-8"))
    ]
    assert _template_files(), "no templates found"
    assert not problems, "Text outside {% translate %} / {% blocktranslate %}:\n" + "\n".join(problems)


_GETTEXT_IN_FSTRING = re.compile(
    r"""\bf(?:'[^'\n]*|"[^"\n]*)\{\s*(?:_|gettext|gettext_lazy|ngettext|pgettext)\("""
)


def _python_files() -> list[Path]:
    skip = {".venv", "node_modules", "migrations", "tests", ".git", "staticfiles"}
    return sorted(p for p in BASE_DIR.rglob("*.py") if not skip & set(p.relative_to(BASE_DIR).parts))


def test_no_translated_string_hides_inside_an_f_string():
    # makemessages cannot see _("...") inside an f-string, so the text stays English on Welsh pages.
    assert _GETTEXT_IN_FSTRING.search("""html=f'<span class="x">{_("None")}</span>'""")
    assert _GETTEXT_IN_FSTRING.search("""f"{label}, {gettext('children')}" """)
    assert not _GETTEXT_IN_FSTRING.search("""label = _("None")  # f"{label}" """)
    problems = [
        f"{path.relative_to(BASE_DIR)}:{number}"
        for path in _python_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _GETTEXT_IN_FSTRING.search(line)
    ]
    assert not problems, "gettext inside an f-string (move it out): " + ", ".join(problems)


# --- the catalogue --------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def parse_po(text: str) -> list[Entry]:
    """A small reader for the PO files makemessages writes (enough to check completeness)."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry, current = Entry(), None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry.obsolete = True
            elif line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                if current[0] == "msgstr":
                    entry.msgstr[current[1]] += _unquote(line)
                else:
                    setattr(entry, current[0], getattr(entry, current[0]) + _unquote(line))
            else:
                keyword, _space, rest = line.partition(" ")
                plural_form = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                if plural_form or keyword == "msgstr":
                    current = ("msgstr", int(plural_form.group(1)) if plural_form else 0)
                    entry.msgstr[current[1]] = _unquote(rest)
                else:
                    current = (keyword, None)
                    setattr(entry, keyword, _unquote(rest))
        entries.append(entry)
    return entries


def _messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.msgid and not e.obsolete]


def test_the_po_reader_sees_fuzzy_untranslated_and_plural_entries():
    entries = parse_po(
        'msgid ""\nmsgstr "Language: cy\\n"\n\n#, fuzzy, python-format\nmsgid "A %(n)s"\nmsgstr "B"\n\n'
        'msgid "Long "\n"text"\nmsgstr ""\n\nmsgid "one"\nmsgid_plural "many"\nmsgstr[0] "un"\nmsgstr[1] ""\n'
    )
    messages = _messages(entries)
    assert [m.msgid for m in messages] == ["A %(n)s", "Long text", "one"]
    assert "fuzzy" in messages[0].flags
    assert messages[1].msgstr == {0: ""}
    assert messages[2].msgstr == {0: "un", 1: ""}


def test_the_welsh_catalogue_has_no_untranslated_fuzzy_or_obsolete_entry():
    entries = parse_po(PO_PATH.read_text(encoding="utf-8"))
    header = entries[0]
    assert header.msgid == "" and "fuzzy" not in header.flags, "the catalogue header is marked fuzzy"
    assert "Language: cy" in header.msgstr[0]
    problems = [f"untranslated: {e.msgid!r}" for e in _messages(entries) if not all(e.msgstr.values())]
    problems += [f"fuzzy: {e.msgid!r}" for e in _messages(entries) if "fuzzy" in e.flags]
    problems += [f"obsolete: {e.msgid!r}" for e in entries if e.obsolete]
    assert not problems, "Fix locale/cy/LC_MESSAGES/django.po, then `make messages`:\n" + "\n".join(problems)


def test_the_compiled_catalogue_matches_the_po_file(tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(PO_PATH)], check=True)
    with MO_PATH.open("rb") as committed, fresh.open("rb") as compiled:
        committed_catalog = gettext.GNUTranslations(committed)._catalog
        compiled_catalog = gettext.GNUTranslations(compiled)._catalog
    assert committed_catalog == compiled_catalog, "django.mo is out of step with django.po: run `make messages`"


def test_the_catalogue_has_every_string_in_the_code_and_templates(tmp_path):
    # makemessages on a copy of the source (the real catalogue is left alone) must find exactly
    # the messages the committed catalogue has: none missing, none left over.
    copy = tmp_path / "src"
    shutil.copytree(
        BASE_DIR, copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "node_modules", "staticfiles", "test-artifacts", "data", "tests",
            "*.sqlite3", "__pycache__", ".hypothesis", "*.egg-info",
        ),
    )
    subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES_ARGS], cwd=copy, check=True, capture_output=True, text=True
    )
    expected = {e.key for e in _messages(parse_po((copy / PO_PATH.relative_to(BASE_DIR)).read_text("utf-8")))}
    committed = {e.key for e in _messages(parse_po(PO_PATH.read_text(encoding="utf-8")))}
    assert not expected - committed, f"not in the Welsh catalogue (run `make messages`): {sorted(expected - committed)}"
    assert not committed - expected, f"no longer used (run `make messages`): {sorted(committed - expected)}"


# --- the packages' strings (locale_upstream) -----------------------------------------------
# Welsh for strings that Django's admin, django-axes and django-simple-history show on Welsh admin
# pages and that their own Welsh catalogues leave in English. makemessages never writes this
# catalogue (our code uses none of its strings), so these tests hold it to the same rules as ours,
# and check each message against the packages' own: a msgid they no longer use is dead text.

UPSTREAM_DIR = BASE_DIR / "locale_upstream" / "cy" / "LC_MESSAGES"
UPSTREAM_PACKAGES = {
    "django": [django.conf, django.contrib.admin, django.contrib.auth, axes, simple_history],
    "djangojs": [django.contrib.admin],
}
# A gettext call with one literal: how django-axes marks strings its catalogues do not have yet.
_LITERAL_GETTEXT = re.compile(r"""\b(?:_|gettext|gettext_lazy)\(\s*(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)')\s*\)""")


def _package_messages(domain: str) -> dict[tuple[str | None, str], str | None]:
    """(context, msgid) -> msgid_plural for every message the packages' catalogues (any language) or
    their Python sources mark for translation."""
    messages: dict[tuple[str | None, str], str | None] = {}
    for package in UPSTREAM_PACKAGES[domain]:
        root = Path(package.__file__).parent
        for po in sorted(root.glob(f"locale/*/LC_MESSAGES/{domain}.po")):
            for entry in _messages(parse_po(po.read_text(encoding="utf-8"))):
                messages[(entry.msgctxt, entry.msgid)] = entry.msgid_plural
        if domain == "django":
            for source in root.rglob("*.py"):
                for double, single in _LITERAL_GETTEXT.findall(source.read_text(encoding="utf-8")):
                    messages.setdefault((None, _unquote(f'"{double or single}"')), None)
    return messages


def _plural_forms(entries: list[Entry]) -> str:
    return re.search(r"Plural-Forms: ([^\n]*)", entries[0].msgstr[0]).group(1)


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_packages_welsh_catalogue_is_complete_and_compiled(domain, tmp_path):
    po = UPSTREAM_DIR / f"{domain}.po"
    entries = parse_po(po.read_text(encoding="utf-8"))
    header = entries[0]
    assert header.msgid == "" and "fuzzy" not in header.flags and "Language: cy" in header.msgstr[0]
    # Django merges catalogues with the same plural formula; plural entries here count as Django's.
    django_welsh = Path(django.contrib.admin.__file__).parent / "locale" / "cy" / "LC_MESSAGES" / f"{domain}.po"
    assert _plural_forms(entries) == _plural_forms(parse_po(django_welsh.read_text(encoding="utf-8")))
    assert _plural_forms(entries) == _plural_forms(parse_po(PO_PATH.read_text(encoding="utf-8")))
    problems = [f"untranslated: {e.msgid!r}" for e in _messages(entries) if not all(e.msgstr.values())]
    problems += [f"not 4 plural forms: {e.msgid!r}" for e in _messages(entries) if e.msgid_plural and len(e.msgstr) != 4]
    problems += [f"fuzzy: {e.msgid!r}" for e in _messages(entries) if "fuzzy" in e.flags]
    problems += [f"obsolete: {e.msgid!r}" for e in entries if e.obsolete]
    assert not problems, f"Fix {po.relative_to(BASE_DIR)}:\n" + "\n".join(problems)
    fresh = tmp_path / f"{domain}.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)
    with po.with_suffix(".mo").open("rb") as committed, fresh.open("rb") as compiled:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(compiled)._catalog, (
            f"{domain}.mo is out of step with {domain}.po: run `make messages`")


def test_the_package_message_reader_sees_catalogues_and_literal_gettext_calls():
    messages = _package_messages("django")
    assert messages[(None, "View site")] is None  # django.contrib.admin's catalogue
    assert messages[(None, "entry")] == "entries"
    assert (None, "Attempt Remaining") in messages  # in django-axes' code, in none of its catalogues
    assert (None, "Revert %s") in messages  # django-simple-history
    assert ("abbrev. month January", "Jan") in _package_messages("djangojs")
    assert _LITERAL_GETTEXT.findall("""_('Locked Out') _("Yes") _(f"x {y}") gettext_lazy("a", b)""") == [
        ("", "Locked Out"), ("Yes", "")]


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_message_in_the_packages_welsh_catalogue_is_one_a_package_uses(domain):
    used = _package_messages(domain)
    entries = _messages(parse_po((UPSTREAM_DIR / f"{domain}.po").read_text(encoding="utf-8")))
    assert entries
    unknown = [e.msgid for e in entries if (e.msgctxt, e.msgid) not in used]
    # gettext finds a plural entry by its singular alone: the plural must still be the package's.
    other_plural = [e.msgid for e in entries if (e.msgctxt, e.msgid) in used and used[(e.msgctxt, e.msgid)] != e.msgid_plural]
    assert not unknown, f"no package has these messages (spelt exactly as theirs?): {unknown}"
    assert not other_plural, f"plural not as the package has it: {other_plural}"


def test_no_message_is_in_both_welsh_catalogues():
    # Ours comes first in LOCALE_PATHS: the same msgid in locale_upstream would never be read.
    ours = {(e.msgctxt, e.msgid) for e in _messages(parse_po(PO_PATH.read_text(encoding="utf-8")))}
    theirs = {(e.msgctxt, e.msgid) for e in _messages(parse_po((UPSTREAM_DIR / "django.po").read_text("utf-8")))}
    assert not ours & theirs, sorted(ours & theirs)


def test_the_packages_welsh_outranks_their_own_and_keeps_the_plural_forms():
    with translation.override("cy"):
        assert translation.gettext("View site") == "Gweld y wefan"
        assert translation.gettext(" By %(filter_title)s ") == "Yn ôl %(filter_title)s"  # Django's own: "Wrth"
        assert [translation.ngettext("entry", "entries", n) for n in (1, 2, 3, 8)] == ["cofnod"] * 4
        errors = [translation.ngettext("Please correct the error below.", "Please correct the errors below.", n)
                  for n in (1, 2, 8)]
        assert errors == ["Cywirwch y gwall isod.", "Cywirwch y gwallau isod.", "Cywirwch y gwallau isod."]
        assert translation.gettext("access attempts") == "ymgeisiau i fewngofnodi"  # django-axes
    with translation.override("en"):
        assert translation.gettext("View site") == "View site"


# --- the language switcher and language-aware formatting -------------------------------------


def _switcher_href(html: str) -> str:
    match = re.search(r'<a class="sm-lang__link" href="([^"]*)" hreflang="(\w+)"', html)
    assert match, "no language switcher on the page"
    return match.group(1).replace("&amp;", "&")


@pytest.mark.parametrize(
    ("path", "status", "switch_to"),
    [
        ("/", 200, "/cy/"),
        ("/cy/", 200, "/"),
        ("/search/?la=W06000023&age=9&abuse_form=intra_familial&welsh=on", 200,
         "/cy/search/?la=W06000023&age=9&abuse_form=intra_familial&welsh=on"),
        ("/cy/search/?la=W06000023&audience=parent_carer", 200, "/search/?la=W06000023&audience=parent_carer"),
        # A search with an error is still the same search in the other language.
        ("/search/?postcode=ZZ99+9&age=9", 400, "/cy/search/?postcode=ZZ99+9&age=9"),
        ("/about-the-data/", 200, "/cy/about-the-data/"),
    ],
)
def test_the_switcher_keeps_the_page_and_its_query(wales_areas, path, status, switch_to):
    response = Client().get(path)
    assert response.status_code == status
    assert _switcher_href(response.content.decode()) == switch_to


@pytest.mark.django_db
def test_welsh_pages_are_in_welsh_with_the_lang_attribute():
    english = Client().get("/").content.decode()
    welsh = Client().get("/cy/").content.decode()
    assert '<html lang="en"' in english and "Skip to main content" in english
    assert '<html lang="cy"' in welsh and "Neidio i'r prif gynnwys" in welsh
    assert "Skip to main content" not in welsh
    assert 'hreflang="en" lang="en">English</a>' in welsh


def test_a_404_page_switches_language_by_prefix():
    from directory.bilingual import url_in_language

    assert url_in_language("/no-such-page/?x=1", "cy") == "/cy/no-such-page/?x=1"
    assert url_in_language("/cy/no-such-page/?x=1", "en") == "/no-such-page/?x=1"
    assert url_in_language("/cy", "en") == "/"


@pytest.mark.parametrize("path", ["/cy//evil.example/", "/cy///evil.example/", "/cy/\\evil.example/", "/cy//\\evil.example"])
def test_the_language_switch_on_a_404_never_links_to_another_site(path):
    """A 404 at "/cy//evil.example/" had the English link "//evil.example/", another site to a browser
    (as is "/\\evil.example"), so a link to our own page sent whoever chose English there."""
    from directory.bilingual import url_in_language

    english = url_in_language(path, "en")
    assert english.startswith("/") and english[1:2] not in ("/", "\\")
    assert english == "/" + path[len("/cy/"):].lstrip("/\\")


@pytest.mark.django_db
def test_the_welsh_404_pages_english_link_stays_on_the_site():
    response = Client().get("/cy//evil.example/")
    assert response.status_code == 404
    links = re.findall(r'<a [^>]*href="([^"]*)"[^>]*hreflang="en"', response.content.decode())
    assert links == ["/evil.example/"]


def test_dates_and_numbers_are_formatted_for_the_language():
    template = Template('{% load humanize %}{{ day|date:"DATE_FORMAT" }} | {{ day|date:"j F Y" }} | {{ n|intcomma }}')
    context = Context({"day": date(2025, 3, 21), "n": 12345})
    with translation.override("cy"):
        assert template.render(context) == "21 Mawrth 2025 | 21 Mawrth 2025 | 12,345"
    with translation.override("en"):
        assert template.render(context) == "21 March 2025 | 21 March 2025 | 12,345"


def test_july_is_spelt_gorffennaf_not_as_djangos_welsh_catalogue_has_it():
    # Django's own catalogue says "Gorffenaf": every Welsh date in July, and the quarter July–September.
    with translation.override("cy"):
        assert date_format(date(2026, 7, 6), "j F Y") == "6 Gorffennaf 2026"
        assert date_format(date(2026, 7, 6), "E") == "Gorffennaf"
        assert quarter_label(date(2026, 7, 1)) == "Gorffennaf–Medi 2026"
        assert date_format(date(2026, 6, 6), "j F Y") == "6 Mehefin 2026"  # the other months are Django's


@pytest.mark.django_db
def test_area_names_come_in_welsh_on_welsh_pages(wales_areas):
    powys, cardiff = wales_areas["W06000023"], wales_areas["W06000015"]
    with translation.override("cy"):
        assert (powys.display_name, cardiff.display_name) == ("Powys", "Caerdydd")
    with translation.override("en"):
        assert cardiff.display_name == "Cardiff"


def test_no_translated_string_uses_a_unicode_escape():
    # xgettext copies "\u201c" literally into the msgid, so the running code (which has “) never
    # finds the Welsh: write such characters as themselves.
    escaped = re.compile(r"""\b(?:_|gettext|gettext_lazy|ngettext)\(\s*(?:'[^'\n]*|"[^"\n]*)\\[uUxN]""")
    assert escaped.search(r'raise ValueError(_("not \u201c%s\u201d") % value)')
    problems = [
        f"{path.relative_to(BASE_DIR)}:{number}"
        for path in _python_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if escaped.search(line)
    ]
    assert not problems, "escape sequence inside a translated string: " + ", ".join(problems)


def test_welsh_says_near_by_with_one_word_everywhere():
    # The near-by group (based close to the child's area, not covering it) is "gerllaw" in the counts,
    # the map's key, the headings and the notes alike: a second word ("yn agos") read as a second group.
    entries = [e for e in _messages(parse_po(PO_PATH.read_text(encoding="utf-8")))
               if re.search(r"\bnear ?by\b", e.msgid, re.IGNORECASE)]
    assert len(entries) >= 8  # the counts, the key, the heading, the notes, the introduction
    problems = [(e.msgid, text) for e in entries for text in e.msgstr.values()
                if "gerllaw" not in text.lower() or "agos" in text.replace("cyfagos", "")]
    assert not problems, problems
