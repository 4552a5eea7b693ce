"""Where `import_oruk` reads records from: a JSON/NDJSON file or a feed URL whose pages it walks.

Real feeds wear several envelopes: the HSDS 3.0 page (`contents`, `total_pages`, `last_page`),
the ORUK 1.0-era Spring page (`content`, `totalPages`, `last`, sometimes in lower case), a bare
array, or a single record. All are read here; the records themselves are judged in `records`.
Any problem with the source as a whole (cannot fetch, not JSON) is a `SourceError`.
"""

from __future__ import annotations

import email.utils
import functools
import http.client
import json
import logging
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

MAX_PAGES = 10_000
# Python's JSON parser recurses once per level of nesting and stops with a RecursionError (a
# traceback, not a message) at about 1,000 levels; no real record nests more than a dozen.
TOO_DEEP = "{where} nests JSON arrays or objects too deeply to read (more than about 1,000 levels)"
USER_AGENT = "servicemap-import_oruk/1"
logger = logging.getLogger(__name__)


class SourceError(Exception):
    """The source as a whole cannot be read; nothing is imported."""


@dataclass(frozen=True)
class PageInfo:
    total_pages: int | None
    last_page: bool | None


class FeedText(Sequence):
    """A feed's records kept as their JSON texts, each parsed when it is asked for.

    The national feed's 20,000 records take ~440 MB as Python objects against 140 MB of text; the
    importer asks for 500 at a time, so only those are alive at once. A file's records were each
    parsed once already, to find where they end, so a feed that is not JSON is refused before
    anything is imported, as when it was parsed whole."""

    def __init__(self, texts: list[str]):
        self._texts = texts

    @classmethod
    def of(cls, records: Iterable[object]) -> FeedText:
        """Records read some other way (a feed's pages, each parsed whole), written back as text."""
        texts = []
        for record in records:
            try:
                texts.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            except RecursionError:
                raise SourceError(TOO_DEEP.format(where=f"record {len(texts) + 1}")) from None
        return cls(texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [json.loads(text) for text in self._texts[index]]
        return json.loads(self._texts[index])


_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")  # JSON's own


def _array_spans(text: str, where: str) -> list[tuple[int, int]] | None:
    """Where each value of the JSON array that is the whole text starts and ends; None if the text
    is not one JSON array (the caller parses it whole, to say why). Raises SourceError for a value
    nested too deeply to parse."""
    at = _WHITESPACE.match(text).end()
    if not text.startswith("[", at):
        return None
    at = _WHITESPACE.match(text, at + 1).end()
    spans = []
    try:
        if not text.startswith("]", at):
            while True:
                _value, end = _DECODER.raw_decode(text, at)  # parsed and dropped: only its end is kept
                spans.append((at, end))
                at = _WHITESPACE.match(text, end).end()
                if not text.startswith(",", at):
                    break
                at = _WHITESPACE.match(text, at + 1).end()
    except json.JSONDecodeError:
        return None
    except RecursionError:
        raise SourceError(TOO_DEEP.format(where=f"{where}, record {len(spans) + 1},")) from None
    if not text.startswith("]", at) or _WHITESPACE.match(text, at + 1).end() != len(text):
        return None
    return spans


def _text(raw: bytes, where: str) -> str:
    """Text from bytes, tolerating a UTF-8 byte-order mark (common in council feeds)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{where} is not UTF-8 text: {exc}") from None


def decode_json(raw: bytes, where: str) -> object:
    """JSON (or NDJSON: a list of its records) from bytes."""
    return _parse(_text(raw, where), where)


NOT_CSV = ("{where} looks like a CSV table (HSDS tabular data?), which this import does not read: it takes "
           "Open Referral services as JSON or NDJSON (ORUK / HSDS 3.0), or a feed's URL")


def _looks_like_csv(text: str) -> bool:
    """A first line of comma-separated names ("id,organization_id,program_id,name,…"): an HSDS
    tabular file, which JSON's error ("Expecting value: line 1 column 1") did not name."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    return "," in first and not first.startswith(("{", "[")) and ":" not in first


def _parse(text: str, where: str, *, lazily: bool = False) -> object:
    """The text as one JSON document, or else as NDJSON (`lazily`: a `FeedText` of its records)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise SourceError(TOO_DEEP.format(where=where)) from None
    except json.JSONDecodeError as first_error:
        if _looks_like_csv(text):
            raise SourceError(NOT_CSV.format(where=where)) from None
        # NDJSON's lines end at "\n" (or "\r\n") only: `str.splitlines()` would also cut a line at a
        # U+2028, U+0085 or form feed inside a string, which JSON writers leave as they are.
        lines = list(_lines(text))
        if len(lines) < 2:
            raise SourceError(_not_json(where, text, first_error)) from None
        records = []
        for index, (number, start, end) in enumerate(lines):
            line = text[start:end]
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                if index == 0:
                    # Not NDJSON at all (its first line is no record): a pretty-printed document
                    # broken further on, whose own error is the one that says where.
                    raise SourceError(_not_json(where, text, first_error)) from None
                raise SourceError(f"{where} is neither JSON nor NDJSON (line {number}: {exc})") from None
            except RecursionError:
                raise SourceError(TOO_DEEP.format(where=f"{where}, line {number},")) from None
            records.append(line if lazily else record)  # parsed again when asked for
        return FeedText(records) if lazily else records


def _not_json(where: str, text: str, error: json.JSONDecodeError) -> str:
    """Why `text` is not JSON, as an operator can act on it: an empty file, or one cut off (a
    download or copy stopped early) named as such, not only by the parser's last position."""
    body = text.strip().lstrip("\ufeff").strip()
    if not body:
        return f"{where} is empty: no JSON in it"
    if body[0] in "[{" and body[-1] not in "]}":
        return f"{where} is not JSON: it stops before its last bracket is closed, so it looks cut off ({error})"
    return f"{where} is not JSON: {error}"


def _lines(text: str) -> Iterator[tuple[int, int, int]]:
    """Each line that is not blank: its number, where it starts and where it ends."""
    at, number = 0, 1
    while True:
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        if text[at:end].strip():
            yield number, at, end
        if end == len(text):
            return
        at, number = end + 1, number + 1


def _lower_keys(document: dict) -> dict:
    return {str(key).lower(): value for key, value in document.items()}


def records_in(document: object, where: str) -> tuple[list, PageInfo | None]:
    """The records in one document, and its paging if it is a page."""
    if isinstance(document, list | FeedText):
        return document, None
    if not isinstance(document, dict):
        raise SourceError(f"{where} holds a JSON {type(document).__name__}, not records")
    if isinstance(document.get("contents"), list):  # HSDS 3.0 page
        total = document.get("total_pages")
        return document["contents"], PageInfo(
            total if isinstance(total, int) else None,
            document.get("last_page") if isinstance(document.get("last_page"), bool) else None,
        )
    lowered = _lower_keys(document)
    if isinstance(lowered.get("content"), list):  # ORUK 1.0-era Spring page, any key case
        total = lowered.get("totalpages")
        return lowered["content"], PageInfo(
            total if isinstance(total, int) else None,
            lowered.get("last") if isinstance(lowered.get("last"), bool) else None,
        )
    if "id" in document:  # a single record
        return [document], None
    raise SourceError(f"{where} is neither a record, a list of records nor a page of them")


def read_file(path: Path) -> Sequence:
    """The file's records: a JSON array's or NDJSON's as a `FeedText`, parsed as they are asked
    for; a page's or a single record's parsed whole."""
    text = _text(_read_bytes(path), str(path))  # the bytes are dropped once decoded
    spans = _array_spans(text, str(path))
    if spans is not None:
        return FeedText([text[start:end] for start, end in spans])
    records, _paging = records_in(_parse(text, str(path), lazily=True), str(path))
    return records


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None


# A feed that limits its rate (ours does: ORUK_API_ANON_RATE) answers 429, or 503 when busy, with
# Retry-After: waited for, up to this long each time and this many times per request. Longer, and
# the import stops saying so, rather than sit unseen for an hour.
MAX_RETRY_WAIT = 120
MAX_RETRIES = 10


# One page or document of a feed, at most: the national feed's 20,000 records are ~140 MB as one file.
# A feed answering without end would otherwise fill the importer's memory before anything is checked.
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
DOCUMENT_TOO_LARGE = "{url} sent more than {mb} MB in one document; stopped (nothing imported)"
# A feed names its own pages and records' addresses; where they lead is the feed's to say only on its
# own host. Elsewhere (an address inside the network the importer runs in, such as a cloud's metadata
# service at 169.254.169.254, or a file on another scheme) is refused, and the operator told the
# address, to give it as the source if it is right.
OTHER_HOST = (
    "{url} redirects to {target}, not on the feed's own host: nothing imported. If that is the feed's new "
    "address, give it as the source"
)


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old, new = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
        if new.scheme not in ("http", "https") or new.hostname != old.hostname or "@" in new.netloc:
            raise SourceError(OTHER_HOST.format(url=req.full_url, target=_redacted(newurl)))
        return super().redirect_request(req, fp, code, msg, headers, newurl)



def _redacted(url: str) -> str:
    """The URL without any user name or password in it (messages go to logs and cron's email)."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc="…@" + parts.netloc.rsplit("@", 1)[1]))


def _read_at_most(response, url: str) -> bytes:
    raw = response.read(MAX_DOCUMENT_BYTES + 1)
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise SourceError(DOCUMENT_TOO_LARGE.format(url=url, mb=MAX_DOCUMENT_BYTES // (1024 * 1024)))
    return raw


# The socket's timeout bounds each read alone: a feed sending a byte every few seconds (broken, or
# hostile) kept the import, and the night's jobs after it, waiting as long as it went on. So each
# document must arrive whole within `document` seconds of being asked for (its headers too), and
# the feed's every page, detail and wait within `total` (ORUK_IMPORT_DOCUMENT_SECONDS and
# ORUK_IMPORT_TOTAL_SECONDS, servicemap/settings.py).
DOCUMENT_TOO_SLOW = ("{url} took more than {seconds:g} s to send one document (ORUK_IMPORT_DOCUMENT_SECONDS): "
                     "stopped, nothing imported")
FEED_TOO_SLOW = ("the feed took more than {seconds:g} s to read in all (ORUK_IMPORT_TOTAL_SECONDS), stopped at "
                 "{url}: nothing imported")


@dataclass(frozen=True)
class Deadlines:
    """How long a feed may take: each document, from asking to its last byte, and all of it, from `started`."""

    document: float = 120.0
    total: float = 4 * 60 * 60.0
    started: float = field(default_factory=time.monotonic)

    def left(self) -> float:
        return self.started + self.total - time.monotonic()


class _Deadline:
    """Shuts a fetch's connections when its time is up, from a timer thread: a read blocked on a
    trickling feed is not otherwise stopped. Entered once per document."""

    def __init__(self, seconds: float):
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()
        self._timer.join()  # no shutting after the fetch is over

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns (or raises) at once
    except OSError:
        pass  # closed already: the fetch is over


class _Watched:
    """A connection whose socket, once open, its document's `_Deadline` may shut. (A TLS handshake
    that trickles is bounded by the timeout of each of its reads alone: the socket is handed over after it.)"""

    def __init__(self, *args, deadline: _Deadline, **kwargs):
        super().__init__(*args, **kwargs)
        self._deadline = deadline

    def connect(self) -> None:
        super().connect()
        self._deadline.watch(self.sock)


class _WatchedHTTPConnection(_Watched, http.client.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, http.client.HTTPSConnection):
    pass


_WATCHED = {http.client.HTTPConnection: _WatchedHTTPConnection, http.client.HTTPSConnection: _WatchedHTTPSConnection}


class _WatchedConnections:
    def __init__(self, deadline: _Deadline):
        super().__init__()
        self._deadline = deadline

    def do_open(self, http_class, req, **kwargs):
        return super().do_open(functools.partial(_WATCHED[http_class], deadline=self._deadline), req, **kwargs)


class _WatchedHTTPHandler(_WatchedConnections, urllib.request.HTTPHandler):
    pass


class _WatchedHTTPSHandler(_WatchedConnections, urllib.request.HTTPSHandler):
    pass


def _opener(deadline: _Deadline) -> urllib.request.OpenerDirector:
    # http(s) only (services_url, _SameHostRedirects); each connection watched by the document's deadline.
    return urllib.request.build_opener(_SameHostRedirects, _WatchedHTTPHandler(deadline), _WatchedHTTPSHandler(deadline))


def fetch_json(url: str, timeout: float = 30.0, *, deadlines: Deadlines | None = None) -> object:
    """GET a JSON document. The default transport; tests may serve pages from a local server.

    `timeout` bounds each read; `deadlines` the whole document and the whole feed (by default this
    document alone, with the defaults)."""
    deadlines = deadlines or Deadlines()
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    for attempt in range(MAX_RETRIES + 1):
        left = deadlines.left()
        if left <= 0:
            raise SourceError(FEED_TOO_SLOW.format(seconds=deadlines.total, url=url))
        seconds = min(deadlines.document, left)
        try:
            with _Deadline(seconds) as deadline:
                try:
                    with _opener(deadline).open(request, timeout=timeout) as response:
                        raw = _read_at_most(response, url)
                finally:
                    if deadline.expired:  # whatever the cut-off read raised or returned
                        raise _too_slow(deadlines, seconds, url) from None
            return decode_json(raw, url)
        except urllib.error.HTTPError as exc:
            wait = _retry_after(exc)
            if wait is None:
                raise SourceError(f"HTTP {exc.code} from {url}") from None
            if wait > MAX_RETRY_WAIT or attempt == MAX_RETRIES:
                waited = f", after {attempt} waits" if attempt else ""
                raise SourceError(f"HTTP {exc.code} from {url}: the feed asks to wait {wait} s{waited} "
                                  "(nothing imported: try again later)") from None
            if wait >= deadlines.left():
                raise SourceError(FEED_TOO_SLOW.format(seconds=deadlines.total, url=url)) from None
            # Said, or a long import seems to hang (the command's output goes to stderr through the log).
            logger.warning("HTTP %s from %s: waiting %s s, as the feed asks.", exc.code, url, wait)
            time.sleep(wait)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SourceError(f"cannot fetch {url}: {getattr(exc, 'reason', exc)}") from None
        except http.client.HTTPException as exc:  # a status line or headers that are not HTTP, an answer cut short
            raise SourceError(f"cannot fetch {url}: not a whole HTTP answer ({type(exc).__name__})") from None
    raise AssertionError("unreachable")  # the loop returns or raises


def _too_slow(deadlines: Deadlines, seconds: float, url: str) -> SourceError:
    if seconds < deadlines.document:  # cut short by what was left of the whole feed's time
        return SourceError(FEED_TOO_SLOW.format(seconds=deadlines.total, url=url))
    return SourceError(DOCUMENT_TOO_SLOW.format(url=url, seconds=deadlines.document))


def _retry_after(error: urllib.error.HTTPError) -> int | None:
    """Seconds a 429/503 asks to wait (Retry-After in seconds; 1 if it gives none), else None."""
    if error.code not in (429, 503):
        return None
    given = (error.headers.get("Retry-After") or "").strip()
    if given.isdigit():
        return int(given)
    try:  # the other form Retry-After may take: an HTTP date
        return max(1, round((email.utils.parsedate_to_datetime(given) - datetime.now(UTC)).total_seconds()))
    except (TypeError, ValueError):
        return 1


def _with_query(url: str, **params: object) -> str:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query.update({key: str(value) for key, value in params.items()})
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def services_url(url: str) -> str:
    """A feed's /services URL: the API base given, or the /services URL itself, or a JSON file URL."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise SourceError(f"{_redacted(url)} is not an http(s) URL")
    if "@" in parts.netloc:
        # urllib would look up "user:password@host" as a host name, and say so with the password
        # in the message; and a password for one host would follow a redirect to the next.
        raise SourceError(f"{_redacted(url)} has a user name or password in it: import_oruk sends none. Give the "
                          "feed's address without them")
    path = parts.path.rstrip("/")
    if path.endswith(("/services", ".json", ".ndjson")):
        return urllib.parse.urlunsplit(parts._replace(path=path))
    return urllib.parse.urlunsplit(parts._replace(path=path + "/services"))


def walk_feed(
    url: str,
    *,
    per_page: int = 100,
    fetch: Callable[[str], object] = fetch_json,
    progress: Callable[[str], None] = lambda message: None,
) -> Iterator[dict]:
    """Every record of a feed, page after page, until the feed says it has no more.

    Stops on an empty page, on `last_page`/`last`, or after `total_pages`; a page repeating the
    one before (a feed that ignores `page`) is an error rather than an endless loop.
    """
    base = services_url(url)
    previous_ids: list | None = None
    for page in range(1, MAX_PAGES + 1):
        page_url = _with_query(base, page=page, per_page=per_page, full="true")
        records, info = records_in(fetch(page_url), page_url)
        if info is None:  # not a paged feed: a file-like document
            progress(f"{page_url}: {len(records)} records")
            yield from records
            return
        total = f" of {info.total_pages}" if info.total_pages is not None else ""
        progress(f"page {page}{total}: {len(records)} records")
        ids = [record.get("id") for record in records if isinstance(record, dict)]
        if records and ids == previous_ids:
            raise SourceError(f"{page_url} repeats the page before it: the feed seems to ignore 'page'")
        previous_ids = ids
        yield from records
        if not records or info.last_page or (info.total_pages is not None and page >= info.total_pages):
            return
    raise SourceError(f"{url} has more than {MAX_PAGES} pages; stopped")


def fetch_details(
    records: list, url: str, *, fetch: Callable[[str], object] = fetch_json,
    progress: Callable[[str], None] = lambda message: None,
) -> Iterator[object]:
    """Each list summary replaced with the record's full `/services/{id}` document."""
    base = services_url(url)
    for number, record in enumerate(records, start=1):
        record_id = record.get("id") if isinstance(record, dict) else None
        if not isinstance(record_id, str):
            yield record  # the importer will say what is wrong with it
            continue
        yield fetch(f"{base}/{urllib.parse.quote(record_id, safe='')}")
        if number % 50 == 0:
            progress(f"details: {number} of {len(records)}")
