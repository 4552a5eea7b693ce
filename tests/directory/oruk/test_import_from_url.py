"""import_oruk SOURCE=URL walks a feed's pages, served here by a local HTTP server."""

from __future__ import annotations

import io
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from directory.management.commands import import_oruk
from directory.models import Service
from directory.oruk.exporter import export_documents
from directory.oruk.importer import import_records
from directory.oruk.sources import FeedText, SourceError, services_url, walk_feed
from tests.directory.oruk.test_import_export import empty_the_directory, export_text

SAMPLES = Path(__file__).resolve().parent / "samples"


class Feed:
    """What the local server answers: GET /api/services?page=N -> pages[N-1]; /api/services/{id} -> details."""

    def __init__(self):
        self.pages: list[dict] = []
        self.details: dict[str, dict] = {}
        self.requests: list[str] = []
        self.status = 200
        self.ignore_page = False
        self.limited = 0  # answer this many requests with 429 and Retry-After first
        self.retry_after = "1"
        self.redirects: dict[str, str] = {}  # path -> Location answered with 302
        self.slow: dict[int, str] = {}  # page -> how it is sent slowly: "headers", "body" or "late"
        self.garbled = False  # answer with something that is not HTTP


# A trickling feed sends a byte this often: each read ends well within any timeout.
TRICKLE_EVERY = 0.05
TRICKLED_BYTES = 100  # so a whole trickled page takes 5 s


def _send_slowly(handler: BaseHTTPRequestHandler, body: bytes, how: str) -> None:
    """The page, its headers or its body a byte at a time; or all of it after a pause ("late")."""
    head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {TRICKLED_BYTES + len(body)}\r\n"
            ).encode()
    if how == "late":
        time.sleep(0.4)
        handler.wfile.write(head + b"\r\n" + b" " * TRICKLED_BYTES + body)
        return
    if how == "headers":
        handler.wfile.write(head)
        trickled, rest = b"X-Padding: " + b"x" * TRICKLED_BYTES + b"\r\n\r\n", b" " * TRICKLED_BYTES + body
    else:
        handler.wfile.write(head + b"\r\n")
        trickled, rest = b" " * TRICKLED_BYTES, body  # JSON may start with whitespace
    try:
        for byte in trickled:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(TRICKLE_EVERY)
        handler.wfile.write(rest)
    except OSError:  # the importer hung up
        handler.close_connection = True


@pytest.fixture
def served():
    feed = Feed()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            feed.requests.append(self.path)
            parts = urllib.parse.urlsplit(self.path)
            if feed.garbled:
                self.wfile.write(b"SSH-2.0-OpenSSH_9.2\r\n")
                return
            if parts.path in feed.redirects:
                self.send_response(302)
                self.send_header("Location", feed.redirects[parts.path])
                self.end_headers()
                return
            page = int(dict(urllib.parse.parse_qsl(parts.query)).get("page", 1))
            if feed.limited:
                feed.limited -= 1
                self.send_response(429)
                self.send_header("Retry-After", feed.retry_after)
                self.end_headers()
                self.wfile.write(b'{"detail": "Request was throttled."}')
                return
            if feed.status != 200:
                body, status = b"{}", feed.status
            elif parts.path.rstrip("/") == "/api/services":
                index = 0 if feed.ignore_page else page - 1
                body, status = json.dumps(feed.pages[index] if index < len(feed.pages) else {}).encode(), 200
                if page in feed.slow:
                    _send_slowly(self, body, feed.slow[page])
                    return
            elif (key := parts.path.rsplit("/", 1)[-1]) in feed.details:
                body, status = json.dumps(feed.details[key]).encode(), 200
            else:
                body, status = b'{"detail": "not found"}', 404
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True  # a trickle cut off mid-way ends on its own
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    feed.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    yield feed
    server.shutdown()
    server.server_close()


def _pages(documents: list[dict], size: int) -> list[dict]:
    chunks = [documents[i : i + size] for i in range(0, len(documents), size)]
    return [
        {"total_items": len(documents), "total_pages": len(chunks), "page_number": n, "size": len(chunk),
         "first_page": n == 1, "last_page": n == len(chunks), "empty": False, "contents": chunk}
        for n, chunk in enumerate(chunks, start=1)
    ]


def test_a_feed_url_is_walked_page_by_page_into_an_empty_directory(feed, served, monkeypatch):
    expected = export_text()
    served.pages = _pages(list(export_documents()), size=2)
    empty_the_directory()
    given = []
    monkeypatch.setattr(import_oruk, "import_records", lambda records, **kwargs: given.append(records) or (
        import_records(records, **kwargs)))
    out = io.StringIO()
    call_command("import_oruk", served.url, stdout=out)
    # Held as text until the import reaches each chunk (`FeedText`), as a file's records are.
    assert [type(records) for records in given] == [FeedText]
    assert "page 3 of 3: 1 records" in out.getvalue()
    assert [urllib.parse.parse_qs(urllib.parse.urlsplit(r).query)["page"] for r in served.requests] == [
        ["1"], ["2"], ["3"]
    ]
    assert "Saved: 5 new" in out.getvalue()
    assert export_text() == expected


def test_list_summaries_can_be_completed_from_each_record(feed, served):
    documents = list(export_documents())
    served.pages = _pages([{k: v for k, v in d.items() if k != "service_at_locations"} for d in documents], size=5)
    served.details = {d["id"]: d for d in documents}
    expected = export_text()
    empty_the_directory()
    call_command("import_oruk", served.url + "/services", "--fetch-details", stdout=io.StringIO())
    assert export_text() == expected
    assert len(served.requests) == 1 + 5


def test_a_feed_that_ignores_page_is_stopped_not_looped(feed, served):
    served.pages = _pages(list(export_documents()), size=2)
    served.ignore_page = True
    with pytest.raises(CommandError, match="repeats the page before it"):
        call_command("import_oruk", served.url, stdout=io.StringIO())
    assert len(served.requests) == 2


def test_an_http_error_stops_the_import_with_nothing_saved(feed, served):
    served.status = 500
    before = Service.objects.count()
    with pytest.raises(CommandError, match="HTTP 500"):
        call_command("import_oruk", served.url, stdout=io.StringIO())
    assert Service.objects.count() == before


@pytest.fixture
def slept(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr("time.sleep", waits.append)
    return waits


def test_a_feed_that_limits_its_rate_is_waited_for_as_it_asks(feed, served, slept, caplog):
    """--fetch-details asks once per service: a feed with a rate limit (ours: ORUK_API_ANON_RATE)
    answers 429 part-way, and the whole import failed."""
    documents = list(export_documents())
    served.pages = _pages(documents, size=5)
    served.details = {d["id"]: d for d in documents}
    expected = export_text()
    empty_the_directory()
    served.limited, served.retry_after = 2, "3"

    call_command("import_oruk", served.url, "--fetch-details", stdout=io.StringIO())

    assert slept == [3, 3]
    assert caplog.text.count("waiting 3 s, as the feed asks") == 2
    assert export_text() == expected
    assert len(served.requests) == 2 + 1 + 5


def test_a_feed_asking_for_too_long_a_wait_stops_the_import_saying_so(feed, served, slept):
    served.pages = _pages(list(export_documents()), size=5)
    served.limited, served.retry_after = 1, "3600"
    before = Service.objects.count()

    with pytest.raises(CommandError, match="HTTP 429 from .* asks to wait 3600 s"):
        call_command("import_oruk", served.url, stdout=io.StringIO())

    assert slept == []
    assert Service.objects.count() == before


def test_an_empty_legacy_page_stops_after_one_request(db, served):
    served.pages = [json.loads((SAMPLES / "envelope-variants" / "hull_connecttosupport_services_page1_empty.json")
                               .read_text(encoding="utf-8-sig"))]
    with pytest.raises(CommandError, match="No records in .*, so nothing was imported"):
        call_command("import_oruk", served.url, stdout=io.StringIO())
    assert len(served.requests) == 1


def test_walk_feed_follows_legacy_envelopes_through_the_transport_alone():
    pages = {1: {"totalPages": 2, "last": False, "content": [{"id": "a"}]},
             2: {"totalPages": 2, "last": True, "content": [{"id": "b"}]}}
    asked = []

    def fetch(url: str) -> object:
        asked.append(url)
        return pages[int(urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["page"][0])]

    assert [r["id"] for r in walk_feed("https://feed.example/api/v1", fetch=fetch)] == ["a", "b"]
    assert asked[0].startswith("https://feed.example/api/v1/services?page=1&per_page=100")


def test_services_url_accepts_a_base_or_the_services_url_and_refuses_other_schemes():
    assert services_url("https://x.example/api/oruk/") == "https://x.example/api/oruk/services"
    assert services_url("https://x.example/api/oruk/services?foo=1") == "https://x.example/api/oruk/services?foo=1"
    with pytest.raises(SourceError):
        services_url("file:///etc/passwd")


@pytest.mark.parametrize("size", ["0", "-5", "1001", "ten"])
def test_a_page_size_no_feed_can_answer_is_refused_before_anything_is_asked(size, capsys):
    with pytest.raises(CommandError, match="--per-page"):
        call_command("import_oruk", "https://feed.example/api/v1", "--per-page", size)


# A hostile or hijacked feed: where its redirects may lead, what it may send, what its URL may hold.
@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://localhost:{port}/api/services",
                                    "ftp://127.0.0.1/feed.json", "http://user:pw@127.0.0.1:{port}/api/services"])
def test_a_redirect_off_the_feeds_own_host_is_refused_with_nothing_imported(feed, served, target):
    port = urllib.parse.urlsplit(served.url).port
    served.pages = _pages(list(export_documents()), size=50)
    served.redirects["/api/old/services"] = target.format(port=port)
    before = Service.objects.count()
    with pytest.raises(CommandError, match="not on the feed's own host") as refused:
        call_command("import_oruk", served.url + "/old", stdout=io.StringIO())
    assert "pw" not in str(refused.value)
    assert Service.objects.count() == before
    assert len(served.requests) == 1  # the redirect was never followed


def test_a_redirect_on_the_feeds_own_host_is_followed(feed, served):
    documents = list(export_documents())
    empty_the_directory()
    served.pages = _pages(documents, size=50)
    served.redirects["/api/old/services"] = "/api/services?page=1&per_page=100&full=true"
    call_command("import_oruk", served.url + "/old", stdout=io.StringIO())
    assert Service.objects.count() == len(documents)


def test_a_feed_url_with_a_password_is_refused_without_repeating_it(capsys):
    with pytest.raises(SourceError, match="has a user name or password in it") as refused:
        services_url("https://importer:s3cret@feed.example/api/v1")
    assert "s3cret" not in str(refused.value) and "importer" not in str(refused.value)
    assert "feed.example/api/v1" in str(refused.value)


def test_a_feed_sending_more_than_a_document_may_hold_is_stopped(feed, served, monkeypatch):
    served.pages = _pages(list(export_documents()), size=50)
    monkeypatch.setattr("directory.oruk.sources.MAX_DOCUMENT_BYTES", 1000)
    before = Service.objects.count()
    with pytest.raises(CommandError, match="sent more than"):
        call_command("import_oruk", served.url, stdout=io.StringIO())
    assert Service.objects.count() == before


# A feed that trickles: every read ends within the socket's timeout, so only a deadline on the whole
# document (its headers too) or on the whole feed stops it.
@pytest.mark.parametrize("how", ["headers", "body"])
def test_a_feed_trickling_one_document_is_stopped_at_its_deadline_with_nothing_imported(feed, served, how):
    served.pages = _pages(list(export_documents()), size=2)
    served.slow = {2: how}
    empty_the_directory()
    started = time.monotonic()
    with override_settings(ORUK_IMPORT_DOCUMENT_SECONDS=1), pytest.raises(CommandError) as stopped:
        call_command("import_oruk", served.url, stdout=io.StringIO())
    assert time.monotonic() - started < 4  # not the 5 s the page takes to trickle in
    assert "page=2" in str(stopped.value)
    assert "took more than 1 s to send one document (ORUK_IMPORT_DOCUMENT_SECONDS)" in str(stopped.value)
    assert "nothing imported" in str(stopped.value)
    assert Service.objects.count() == 0  # not even page 1's two services
    assert len(served.requests) == 2


def test_a_feed_slower_in_all_than_its_total_deadline_is_stopped_with_nothing_imported(feed, served):
    served.pages = _pages(list(export_documents()), size=1)
    served.slow = dict.fromkeys(range(1, 6), "late")  # 0.4 s a page, each well within its own deadline
    empty_the_directory()
    with (override_settings(ORUK_IMPORT_DOCUMENT_SECONDS=10, ORUK_IMPORT_TOTAL_SECONDS=1),
          pytest.raises(CommandError, match=r"took more than 1 s to read in all \(ORUK_IMPORT_TOTAL_SECONDS\), "
                                           r"stopped at .*page=\d.*: nothing imported")):
        call_command("import_oruk", served.url, stdout=io.StringIO())
    assert Service.objects.count() == 0
    assert len(served.requests) < 5


def test_a_wait_the_feed_asks_for_past_the_total_deadline_is_not_waited(feed, served, slept):
    served.pages = _pages(list(export_documents()), size=5)
    served.limited, served.retry_after = 1, "60"
    before = Service.objects.count()
    with (override_settings(ORUK_IMPORT_TOTAL_SECONDS=30),
          pytest.raises(CommandError, match=r"took more than 30 s to read in all")):
        call_command("import_oruk", served.url, stdout=io.StringIO())
    assert slept == []
    assert Service.objects.count() == before


def test_an_answer_that_is_not_http_stops_the_import_saying_so(feed, served):
    served.garbled = True
    before = Service.objects.count()
    with pytest.raises(CommandError, match=r"cannot fetch .*: not a whole HTTP answer \(BadStatusLine\)"):
        call_command("import_oruk", served.url, stdout=io.StringIO())
    assert Service.objects.count() == before
