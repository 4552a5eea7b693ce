"""The visitor's address, as every per-client limit reads it: the open API's rate limit
(directory/oruk/throttling.py), the public report form's (servicemap/rate_limits.py) and the
sign-in lock-out (django-axes, `AXES_CLIENT_IP_CALLABLE`).

Behind a reverse proxy every request comes from the proxy's address, so the limits would count all
visitors as one: one client could exhaust the API's limit for everyone, and five wrong passwords
from anywhere would lock a provider out (the lock is per account *and address*, so that it cannot
be). Each proxy appends the address it received the request from to X-Forwarded-For; with
`NUM_PROXIES` of them in front of the app, the visitor's address is the `NUM_PROXIES`-th from the
end. Anything before it is what the visitor sent and could be anything, so with no proxies
(`NUM_PROXIES=0`, the default) the header is never read: trusting it there would let a client
choose a fresh address for every request and escape every limit.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    if not proxies:
        return remote
    forwarded = [address.strip() for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [address for address in forwarded if address]
    if not forwarded:
        return remote  # not through the proxies (a health check from the balancer, say)
    # Fewer entries than proxies: the first is the furthest the proxies saw (as DRF reads it).
    return forwarded[-min(proxies, len(forwarded))]
