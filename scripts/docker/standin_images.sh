#!/usr/bin/env bash
# Stand-ins for the three Docker Hub images deploy/ uses, made from Debian's packages, for a
# machine that reaches Debian's mirror and PyPI but not Docker Hub (as the development machines
# do). Where `docker pull` works, it pulls the real images and builds nothing.
#
#   scripts/docker/standin_images.sh      (as root: debootstrap and chroot)
#
# - python:3.11-slim-bookworm: a minimal Debian 12 with this machine's CPython 3.11 copied to
#   /usr/local, where the official image has its own (pip, setuptools and wheel only);
# - postgres:15, redis:7: Debian 12's PostgreSQL 15 and Redis 7.0 with entrypoints doing what the
#   official images' do (postgres-entrypoint.sh, redis-entrypoint.sh).
# Checked with them is everything deploy/ does; not the official images' own patch releases.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/tmp/servicemap-standins}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
PYTHON_PREFIX=${PYTHON_PREFIX:-$(python3.11 -c 'import sys; print(sys.base_prefix)')}

if docker pull -q python:3.11-slim-bookworm >/dev/null 2>&1 && docker pull -q postgres:15 >/dev/null 2>&1 \
    && docker pull -q redis:7 >/dev/null 2>&1; then
  echo "Docker Hub answers: the real images are pulled, no stand-ins made."
  exit 0
fi
command -v debootstrap >/dev/null || { echo "needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
mkdir -p "$WORK"

# A minimal Debian 12 with the libraries CPython's modules link to (ssl, sqlite3, ctypes, ...).
if [ ! -x "$WORK/debian/bin/sh" ]; then
  debootstrap --variant=minbase \
    --include=ca-certificates,libssl3,libffi8,libsqlite3-0,zlib1g,libbz2-1.0,liblzma5,libreadline8,libncursesw6,libuuid1,libgdbm6,libexpat1,tzdata,netbase,libdb5.3 \
    bookworm "$WORK/debian" "$MIRROR" >/dev/null
  # This machine's TLS-intercepting egress proxy signs with its own CA: the images must trust it too.
  cp /usr/local/share/ca-certificates/*.crt "$WORK/debian/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$WORK/debian" update-ca-certificates >/dev/null 2>&1
  rm -rf "$WORK/debian/var/cache/apt/archives/"*.deb "$WORK/debian/var/lib/apt/lists/"*
fi
tar -C "$WORK/debian" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["bash"]' - debian:bookworm-slim >/dev/null

# python:3.11-slim-bookworm: the same system with CPython in /usr/local.
rm -rf "$WORK/python" && cp -a "$WORK/debian" "$WORK/python"
LOCAL="$WORK/python/usr/local"
mkdir -p "$LOCAL/bin" "$LOCAL/lib/python3.11/site-packages" "$LOCAL/include"
cp -a "$PYTHON_PREFIX"/lib/libpython3* "$LOCAL/lib/"
cp -a "$PYTHON_PREFIX/include/python3.11" "$LOCAL/include/"
(cd "$PYTHON_PREFIX/lib" && tar --exclude=python3.11/site-packages --exclude=python3.11/test \
  --exclude=__pycache__ -cf - python3.11) | tar -C "$LOCAL/lib" -xf -
SITE="$PYTHON_PREFIX/lib/python3.11/site-packages"
(cd "$SITE" && for found in pip setuptools wheel _distutils_hack distutils-precedence.pth \
    pip-*.dist-info setuptools-*.dist-info wheel-*.dist-info; do
  if [ -e "$found" ]; then cp -a "$found" "$LOCAL/lib/python3.11/site-packages/"; fi
done)
for program in python python3 python3.11 pip pip3 pip3.11; do
  [ -e "$PYTHON_PREFIX/bin/$program" ] && cp -a "$PYTHON_PREFIX/bin/$program" "$LOCAL/bin/"
done
grep -l '^#!/' "$LOCAL"/bin/pip* | xargs -r sed -i '1s|^#!.*|#!/usr/local/bin/python3.11|'
chroot "$WORK/python" ldconfig
chroot "$WORK/python" /usr/local/bin/python3 -c 'import ssl, sqlite3, ctypes, lzma, bz2, uuid, decimal'
tar -C "$WORK/python" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["python3"]' - python:3.11-slim-bookworm >/dev/null

# postgres:15 and redis:7 from Debian's packages.
for service in postgres redis; do
  context="$WORK/$service-image"
  rm -rf "$context" && mkdir -p "$context"
  cp "$HERE/$service-entrypoint.sh" "$context/entrypoint.sh"
  chmod +x "$context/entrypoint.sh"
done
cat > "$WORK/postgres-image/Dockerfile" <<'EOF'
FROM debian:bookworm-slim
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY entrypoint.sh /usr/local/bin/entrypoint.sh
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["postgres"]
EOF
cat > "$WORK/redis-image/Dockerfile" <<'EOF'
FROM debian:bookworm-slim
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null && rm -rf /var/lib/apt/lists/*
COPY entrypoint.sh /usr/local/bin/entrypoint.sh
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["redis-server"]
EOF
docker build -q -t postgres:15 "$WORK/postgres-image" >/dev/null
docker build -q -t redis:7 "$WORK/redis-image" >/dev/null
echo "Stand-ins made: python:3.11-slim-bookworm, postgres:15, redis:7 (docker images)."
