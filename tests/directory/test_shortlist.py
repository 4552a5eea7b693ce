from __future__ import annotations

import re
import uuid
from html import unescape
from urllib.parse import parse_qs

import pytest
from django.test import Client
from django.urls import reverse

from directory.shortlist import MAX_ITEMS, SESSION_KEY, parse_shared_ids
from tests.factories import ServiceAtLocationFactory, ServiceFactory

ADD = reverse("directory:shortlist_add")
REMOVE = reverse("directory:shortlist_remove")
SHORTLIST = reverse("directory:shortlist")


def test_adding_stores_only_the_service_id_and_goes_back_to_the_search(client, db):
    service = ServiceFactory(name="Seren")
    back = "/search/?la=W06000015&age=9&abuse_form=intra_familial"

    response = client.post(ADD, {"service": str(service.public_id), "next": back})

    assert response.status_code == 302
    assert response["Location"] == f"{back}#shortlist-{service.public_id}"  # its button, focused on arrival
    assert dict(client.session) == {SESSION_KEY: [str(service.public_id)]}


def test_adding_to_a_full_shortlist_comes_back_to_the_top_of_the_page_where_it_says_so(client, db):
    """It came back to the card's button, as an add does, with the page's only sign of what
    happened in a banner at the top, out of sight and (as a region, not an alert) not announced:
    the button still said "Add to shortlist", as if the tap had not worked."""
    for service in ServiceFactory.create_batch(MAX_ITEMS):
        client.post(ADD, {"service": str(service.public_id)})
    client.get(SHORTLIST)  # shows, and so clears, the "… is on your shortlist" messages
    one_more = ServiceFactory()
    back = "/search/?la=W06000015&age=9"

    response = client.post(ADD, {"service": str(one_more.public_id), "next": back})

    assert response.status_code == 302
    assert response["Location"] == back  # no "#shortlist-…": the top of the page, and the banner
    assert len(client.session[SESSION_KEY]) == MAX_ITEMS
    assert str(one_more.public_id) not in client.session[SESSION_KEY]
    banner = re.search(r'<div class="[^"]*govuk-notification-banner[^"]*" role="(\w+)".*?</div>\s*</div>',
                       client.get(back).content.decode(), re.S)
    assert banner is not None and f"Your shortlist is full ({MAX_ITEMS} services)." in banner[0]
    assert banner[1] == "alert"  # announced, and focused by GOV.UK Frontend's script


def test_the_nav_counts_the_shortlist(client, db):
    service = ServiceFactory()
    client.post(ADD, {"service": str(service.public_id)})

    assert "Shortlist (1)" in client.get(SHORTLIST).content.decode()


def test_adding_twice_keeps_one_and_removing_takes_it_off(client, db):
    service = ServiceFactory()
    client.post(ADD, {"service": str(service.public_id)})
    client.post(ADD, {"service": str(service.public_id)})
    assert client.session[SESSION_KEY] == [str(service.public_id)]

    response = client.post(REMOVE, {"service": str(service.public_id), "next": "/shortlist/"})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == []


@pytest.mark.parametrize("path", ["/shortlist/", "/cy/shortlist/"])
def test_removing_on_the_shortlist_comes_back_to_the_next_card_not_the_top(client, db, path):
    first, middle, last = (ServiceFactory() for _ in range(3))
    for service in (first, middle, last):
        client.post(ADD, {"service": str(service.public_id)})

    response = client.post(REMOVE, {"service": str(middle.public_id), "next": path})
    assert response["Location"] == f"{path}#shortlist-{last.public_id}"  # the card that took its place
    response = client.post(REMOVE, {"service": str(last.public_id), "next": path})
    assert response["Location"] == f"{path}#shortlist-{first.public_id}"  # the last: the one before
    response = client.post(REMOVE, {"service": str(first.public_id), "next": path})
    assert response["Location"] == path  # none left
    assert client.session[SESSION_KEY] == []


def test_add_and_remove_need_post_and_a_csrf_token(db):
    service = ServiceFactory()
    strict = Client(enforce_csrf_checks=True)

    assert strict.get(ADD).status_code == 405
    assert strict.post(ADD, {"service": str(service.public_id)}).status_code == 403
    assert SESSION_KEY not in strict.session


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""])
def test_it_never_redirects_off_site(client, db, next_url):
    service = ServiceFactory()

    response = client.post(ADD, {"service": str(service.public_id), "next": next_url})

    assert response["Location"].startswith(SHORTLIST)


def test_an_unknown_service_is_404_and_a_malformed_id_is_400(client, db):
    assert client.post(ADD, {"service": str(uuid.uuid4())}).status_code == 404
    response = client.post(ADD, {"service": "not-an-id"})
    assert response.status_code == 400
    assert "did not name a service we know" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_shortlist_is_a_referral_pack_with_a_share_link(client, db):
    first = ServiceFactory(name="First", how_to_refer="Phone 01234 567890.", wait_weeks=5)
    second = ServiceFactory(name="Second", disclosure_required=True)
    for service in (first, second):
        client.post(ADD, {"service": str(service.public_id)})

    html = client.get(SHORTLIST).content.decode()

    assert html.index("First") < html.index("Second")
    assert "Phone 01234 567890." in html
    assert "5 weeks, as of" in html
    assert "Needs a verbal disclosure." in html
    assert "Printed from servicemap on" in html
    assert f"/shortlist/?ids={first.public_id},{second.public_id}" in html


def test_each_referral_form_link_in_the_pack_names_its_service(client, db):
    # A screen reader's list of links read "Referral form" once per service, each to another form.
    first = ServiceFactory(name="First", referral_url="https://example.org/first")
    second = ServiceFactory(name="Second", referral_url="https://example.org/second")

    html = client.get(f"{SHORTLIST}?ids={first.public_id},{second.public_id}").content.decode()

    links = {href: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip()
             for href, text in re.findall(r'<a class="govuk-link" href="(https://example.org/[^"]+)"[^>]*>(.*?)</a>', html)}
    assert links == {"https://example.org/first": "Referral form (First)",
                     "https://example.org/second": "Referral form (Second)"}


def test_on_welsh_pages_a_shortlist_buttons_english_name_is_marked_english(client, db):
    # The service page and the shortlist render the button's template themselves (the search fills
    # a cached one: test_search_cache.py); an English name in a Welsh sentence was read in Welsh.
    english = ServiceFactory(name="Family Support", name_cy="")
    welsh = ServiceFactory(name="Young People", name_cy="Pobl Ifanc")
    client.post(ADD, {"service": str(english.public_id)})  # on the list: its button removes it

    for service in (english, welsh):
        html = client.get(f"/cy/services/{service.public_id}/").content.decode()
        english_name = f'<span class="govuk-visually-hidden" lang="en"> – {english.name}</span>'
        assert (english_name in html) == (service == english)
        assert ('<span class="govuk-visually-hidden"> – Pobl Ifanc</span>' in html) == (service == welsh)
    shortlist = client.get(f"/cy{SHORTLIST}").content.decode()
    assert f'<span class="govuk-visually-hidden" lang="en"> – {english.name}</span></button>' in shortlist
    english_page = client.get(f"/services/{english.public_id}/").content.decode()
    assert f'<span class="govuk-visually-hidden"> – {english.name}</span></button>' in english_page


def test_the_packs_contact_lines_start_with_what_there_is(client, db):
    by_email = ServiceFactory(referral_phone="", referral_email="refer@example.org", organisation__phone="")
    by_address = ServiceFactory(referral_phone="", referral_email="", organisation__phone="", organisation__email="")
    ServiceAtLocationFactory(service=by_address, location__name="Tŷ Seren", location__city="Bangor")

    html = client.get(f"{SHORTLIST}?ids={by_email.public_id},{by_address.public_id}").content.decode()

    contacts = [re.sub(r"\s+", " ", re.sub(r"<(?!br>)[^>]+>", "", part.split("</dd>")[0])).strip()
                for part in html.split('Contact</dt><dd class="govuk-summary-list__value">')[1:]]
    assert contacts == ["refer@example.org", "Tŷ Seren, Bangor CF10 1EP"]  # no empty first line


def test_the_welsh_pack_names_a_location_in_welsh_and_marks_an_english_name(client, db):
    service = ServiceFactory(referral_phone="", referral_email="", organisation__phone="", organisation__email="")
    ServiceAtLocationFactory(service=service, location__name="Family centre", location__name_cy="Canolfan deulu")
    ServiceAtLocationFactory(service=service, location__name="Office", location__latitude=51.5)

    welsh = client.get(f"/cy{SHORTLIST}?ids={service.public_id}").content.decode()
    english = client.get(f"{SHORTLIST}?ids={service.public_id}").content.decode()

    assert 'Canolfan deulu, Cardiff CF10 1EP<br><span lang="en">Office</span>, Cardiff' in welsh
    assert "Family centre, Cardiff CF10 1EP<br>Office, Cardiff" in english and "Canolfan" not in english


def test_the_packs_email_address_is_a_link_to_write_to(client, db):
    # On a phone the pack's phone number could be tapped to call, but its email address was plain text.
    service = ServiceFactory(referral_phone="", referral_email="refer@example.org")

    html = client.get(f"{SHORTLIST}?ids={service.public_id}").content.decode()

    assert '<a class="govuk-link" href="mailto:refer@example.org">refer@example.org</a>' in html


@pytest.mark.parametrize(("prefix", "text", "subject", "intro"), [
    ("", "Email the link", "Referral options from servicemap",
     "Referral options from servicemap, each with its criteria and current waiting time:"),
    ("/cy", "E-bostio'r ddolen", "Opsiynau atgyfeirio o servicemap",
     "Opsiynau atgyfeirio o servicemap, pob un gyda'i feini prawf a'i amser aros presennol:"),
])
def test_the_shortlists_link_can_be_emailed_with_nothing_but_the_list_in_it(client, db, prefix, text, subject, intro):
    # Its only way out was a read-only box: on a phone, a long press and a menu to copy the link
    # before an email could be written to a colleague (or one's own work inbox) about the child.
    first, second = ServiceFactory(), ServiceFactory()
    for service in (first, second):
        client.post(ADD, {"service": str(service.public_id)})

    html = client.get(prefix + SHORTLIST).content.decode()

    link = re.search(r'<a class="govuk-link" href="mailto:\?([^"]*)" id="share-email">([^<]*)</a>', html)
    assert link and link[2] == text
    query = parse_qs(unescape(link[1]), strict_parsing=True)
    share_url = f"http://testserver{prefix}{SHORTLIST}?ids={first.public_id},{second.public_id}"
    assert query == {"subject": [subject], "body": [f"{intro}\r\n\r\n{share_url}"]}
    assert f'value="{share_url}"' in html  # the same link as the box's
    # A shared list, read-only, offers no link to share (it is the link), so none to email.
    assert "mailto:?" not in client.get(f"{SHORTLIST}?ids={first.public_id}").content.decode()


def test_a_shared_link_is_read_only_and_can_be_loaded_into_your_own_shortlist(client, db):
    services = [ServiceFactory(name="Shared one"), ServiceFactory(name="Shared two")]
    ids = ",".join(str(s.public_id) for s in services)

    response = client.get(f"{SHORTLIST}?ids={ids},not-a-uuid,{uuid.uuid4()}")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Shared one" in html and "Shared two" in html
    assert "A shared shortlist" in html
    assert "2 services in this list are no longer in the directory" in html
    assert "Remove from shortlist" not in html
    assert SESSION_KEY not in client.session

    client.post(reverse("directory:shortlist_load"), {"ids": ids})
    assert client.session[SESSION_KEY] == [str(s.public_id) for s in services]


def test_loading_a_shared_list_into_a_nearly_full_shortlist_says_what_did_not_fit(client, db):
    own = [ServiceFactory() for _ in range(MAX_ITEMS - 3)]
    for service in own:
        client.post(ADD, {"service": str(service.public_id)})
    shared = [own[0], *(ServiceFactory() for _ in range(6))]  # one already there, 3 of 6 new fit

    response = client.post(reverse("directory:shortlist_load"), {"ids": ",".join(str(s.public_id) for s in shared)},
                           follow=True)

    html = response.content.decode()
    assert client.session[SESSION_KEY] == [str(s.public_id) for s in [*own, *shared[1:4]]]
    assert f"Your shortlist is full ({MAX_ITEMS} services): 3 of the shared services were not added" in html
    assert "The shared services are on your shortlist" not in html


def test_loading_a_shared_list_that_fits_says_so(client, db):
    shared = [ServiceFactory() for _ in range(3)]

    response = client.post(reverse("directory:shortlist_load"), {"ids": ",".join(str(s.public_id) for s in shared)},
                           follow=True)

    assert "The shared services are on your shortlist" in response.content.decode()
    assert len(client.session[SESSION_KEY]) == 3


@pytest.mark.parametrize("query", ["ids=", "ids=,,,", "ids=" + "x" * 10_000, "ids=" + ",".join(["a"] * 3000)])
def test_bad_share_links_get_a_clear_page_not_a_500(client, db, query):
    response = client.get(f"{SHORTLIST}?{query}")

    assert response.status_code in (200, 400)
    assert "shortlist" in response.content.decode().lower()


@pytest.mark.parametrize(("prefix", "error"), [("", "Error:"), ("/cy", "Gwall:")])
def test_a_share_link_too_long_to_read_says_error_in_the_pages_title(client, db, prefix, error):
    """The page says "There is a problem", but its title (the first thing a screen reader reads on
    arrival) said only "A shared shortlist", as if the list had loaded: every other page showing an
    error summary starts its title with "Error:"."""
    response = client.get(f"{prefix}{SHORTLIST}?ids=" + "x" * 10_000)

    assert response.status_code == 400
    title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)
    assert title.startswith(f"{error} ")


def test_an_empty_shortlist_says_so(client, db):
    assert "Your shortlist is empty" in client.get(SHORTLIST).content.decode()


def test_clearing_asks_first_then_empties_it(client, db):
    for _ in range(3):
        client.post(ADD, {"service": str(ServiceFactory().public_id)})
    clear = reverse("directory:shortlist_clear")
    assert f'href="{clear}"' in client.get(SHORTLIST).content.decode()  # the shortlist's button: a link to ask

    asked = client.get(clear)

    html = asked.content.decode()
    assert asked.status_code == 200
    assert "Empty your shortlist?" in html and "This takes all 3 services off your shortlist." in html
    assert f'action="{clear}"' in html and f'href="{SHORTLIST}">Keep it</a>' in html
    assert len(client.session[SESSION_KEY]) == 3  # asking empties nothing

    emptied = client.post(clear, follow=True).content.decode()

    assert SESSION_KEY not in client.session
    # The banner says what was done, once; the page says it is empty (both said "is empty").
    assert "Your shortlist has been emptied." in emptied and emptied.count("Your shortlist is empty") == 1
    assert client.get(clear)["Location"] == SHORTLIST  # nothing left to ask about


def test_in_welsh_asking_to_empty_two_services_softens_the_noun_after_the_number(client, db):
    """After 2 ("dau") a Welsh noun softens: "pob un o'r 2 wasanaeth", not "2 gwasanaeth"."""
    for _ in range(2):
        client.post(ADD, {"service": str(ServiceFactory().public_id)})

    html = unescape(client.get("/cy" + reverse("directory:shortlist_clear")).content.decode())

    assert "Mae hyn yn tynnu pob un o'r 2 wasanaeth oddi ar eich rhestr fer." in html


def test_parse_shared_ids_keeps_valid_unique_ids_up_to_the_limit():
    ids = [uuid.uuid4() for _ in range(MAX_ITEMS + 5)]
    raw = ",".join(str(i) for i in [ids[0], *ids]) + ",junk"

    parsed, invalid = parse_shared_ids(raw)

    assert parsed == ids[:MAX_ITEMS]
    assert invalid == 1


def test_the_shortlist_query_count_is_flat(client, db, django_assert_max_num_queries):
    for _ in range(8):
        client.post(ADD, {"service": str(ServiceFactory(wait_weeks=3).public_id)})

    with django_assert_max_num_queries(6):
        assert client.get(SHORTLIST).status_code == 200


@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_the_pack_prints_each_services_full_address_on_the_configured_site(client, db, settings, prefix):
    settings.SITE_URL = "https://directory.example.org/"
    services = [ServiceFactory(name="First"), ServiceFactory(name="Second")]

    html = client.get(f"{prefix}{SHORTLIST}?ids={','.join(str(s.public_id) for s in services)}").content.decode()

    printed = re.findall(r'<p class="govuk-body-s sm-print-only sm-pack-url">[^<]*?(https?://[^<\s]+)</p>', html)
    # The public site's, not the host the page was asked of ("testserver"), in the page's language.
    assert printed == [f"https://directory.example.org{prefix}/services/{s.public_id}/" for s in services]


def test_a_service_listing_no_form_of_abuse_says_not_stated_on_the_shortlist(client, db):
    """An imported record may list none of our forms of abuse: the pack's row said nothing at all."""
    service = ServiceFactory(abuse_intra_familial=False, abuse_extra_familial=False, abuse_cse=False,
                             abuse_harmful_sexual_behaviour=False, abuse_online=False)
    client.post(ADD, {"service": str(service.public_id)})

    page = client.get("/shortlist/").content.decode()

    works_with = page.split(">Works with</dt>", 1)[1].split("</dd>", 1)[0]
    assert works_with.endswith(">Not stated")


def test_a_shared_link_holding_a_control_character_goes_to_the_same_list_without_it(client, db):
    # As the search and A to Z do (directory/control_characters.py): an id with a NUL pasted into it
    # was counted as damaged, and its service left out.
    service = ServiceFactory(name="Seren")

    response = client.get(f"{SHORTLIST}?ids={service.public_id}%00,%1B")

    assert response.status_code == 302
    assert response["Location"] == f"{SHORTLIST}?ids={service.public_id}%2C"
    html = client.get(response["Location"]).content.decode()
    assert "Seren" in html and "no longer in the directory" not in html


def test_a_shared_link_with_ids_given_twice_shows_both_lists(client, db):
    first, second = ServiceFactory(name="First shared"), ServiceFactory(name="Second shared")

    html = client.get(f"{SHORTLIST}?ids={first.public_id}&ids={second.public_id}").content.decode()

    assert "First shared" in html and "Second shared" in html
    assert "no longer in the directory" not in html
    assert f'name="ids" value="{first.public_id},{second.public_id}"' in html


def test_your_own_list_is_marked_private_for_caches_and_a_shared_link_is_not(client, db):
    service = ServiceFactory()
    client.post(reverse("directory:shortlist_add"), {"service": service.public_id})

    own = client.get(reverse("directory:shortlist"))
    shared = client.get(reverse("directory:shortlist"), {"ids": str(service.public_id)})

    assert own.status_code == 200 and service.name in own.content.decode()
    assert "private" in own["Cache-Control"]
    assert "private" not in shared.get("Cache-Control", "")


@pytest.mark.django_db
def test_the_banner_on_a_welsh_page_marks_an_english_name_as_english_and_escapes_it(client):
    """The banner is announced as an alert; "Gwynedd sibling support" inside the Welsh sentence was read
    with Welsh sounds. A Welsh name is the page's own language and is left unmarked."""
    english_only = ServiceFactory(name="Sibling <support> & more", name_cy="")
    welsh = ServiceFactory(name="Family group", name_cy="Grŵp teulu")

    client.post("/cy/shortlist/add/", {"service": str(english_only.public_id), "next": "/cy/shortlist/"})
    client.post("/cy/shortlist/add/", {"service": str(welsh.public_id), "next": "/cy/shortlist/"})
    html = client.get("/cy/shortlist/").content.decode()

    assert '<span lang="en">Sibling &lt;support&gt; &amp; more</span> ar eich rhestr fer.' in html
    assert "Mae Grŵp teulu ar eich rhestr fer." in html

    client.post("/cy/shortlist/remove/", {"service": str(english_only.public_id), "next": "/cy/shortlist/"})
    html = client.get("/cy/shortlist/").content.decode()
    assert re.search(r'<span lang="en">Sibling &lt;support&gt; &amp; more</span>[^<]*mwyach', html)

    client.post("/shortlist/add/", {"service": str(english_only.public_id), "next": "/shortlist/"})
    html = client.get("/shortlist/").content.decode()
    assert "Sibling &lt;support&gt; &amp; more is on your shortlist." in html  # English page: its own language


@pytest.mark.parametrize(("prefix", "title", "heading"), [
    ("", "Referral options: your shortlist – servicemap", "Referral options"),
    ("/cy", "Opsiynau atgyfeirio: eich rhestr fer – servicemap", "Opsiynau atgyfeirio"),
])
def test_the_shortlists_title_starts_with_its_heading(client, db, prefix, title, heading):
    # A screen reader heard the title "Your shortlist", then the h1 "Referral options": two names
    # for one page. GOV.UK's pattern: the title starts with the h1's words.
    html = unescape(client.get(prefix + SHORTLIST).content.decode())

    assert re.search(r"<title>\s*(.*?)\s*</title>", html, re.S).group(1) == title
    assert re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1) == heading
