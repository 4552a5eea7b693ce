#!/bin/sh
# Stand-in for the official redis:7 image's entrypoint (scripts/docker/standin_images.sh): Redis as
# its own user, protected mode off as the official image builds it (the container network is the boundary).
set -e
if [ "$1" = redis-server ]; then
  exec setpriv --reuid=redis --regid=redis --init-groups "$@" --protected-mode no
fi
exec "$@"
