"""Check that Redis answers PING at REDIS_URL; with --start, start a local redis-server if not.

The cache tests use this machine's Redis and must fail loudly, never skip, when it is absent.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import redis


def answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def main() -> int:
    url = sys.argv[1]
    if answers(url):
        return 0
    if "--start" in sys.argv and shutil.which("redis-server"):
        subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1"], check=False)
        for _ in range(20):
            if answers(url):
                return 0
            time.sleep(0.25)
    print(f"Redis is not reachable at {url}: the cache tests cannot go ahead.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
