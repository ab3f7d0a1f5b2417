# Image of the flywheel runtime: one image, the role is chosen at run time with FLYWHEEL_ROLE
# (all | worker | api). Used by docker-compose.yml; it cannot be built on the development machines
# (no Docker engine there), so it is kept consistent with the code by review: pyproject.toml,
# requirements.lock and the `flywheel` console script (streams.cli:main).
#
#   docker build -t flywheel .
#   docker run --rm -p 8080:8080 -e KAFKA_BOOTSTRAP=... -e CLICKHOUSE_URL=... flywheel        # flywheel up
#
# Without KAFKA_BOOTSTRAP / CLICKHOUSE_URL the app falls back to its embedded broker and engine
# (in-memory broker: fine for a quick look, not for anything that must survive a restart).

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------- build: compile and install into a venv
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# hnswlib==0.8.0 is published as an sdist only: it needs a C++ compiler to build its wheel.
RUN apt-get update \
 && apt-get install --yes --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
RUN pip install --upgrade "pip>=24" setuptools wheel

WORKDIR /src
# Dependencies first (cached while only the code changes): install the pinned set from the lock file.
# The lock is a superset (it also pins the test extras); as constraints it only pins what is pulled in.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && pip install -c requirements.lock -r /tmp/requirements.txt

# Then the project itself (regular, non-editable install: packages and their data files land in the venv).
COPY . .
RUN pip install --no-deps -c requirements.lock . \
 && pip check

# ---------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FLYWHEEL_API_HOST=0.0.0.0 \
    FLYWHEEL_API_PORT=8080 \
    FLYWHEEL_LOG_FORMAT=json

# The compiled extensions (hnswlib, onnxruntime, chdb) only need libstdc++/libgcc, which the slim image has.
RUN groupadd --system --gid 10001 flywheel \
 && useradd --system --uid 10001 --gid flywheel --home-dir /app --shell /usr/sbin/nologin flywheel \
 && mkdir -p /app/data \
 && chown -R flywheel:flywheel /app

COPY --from=build /opt/venv /opt/venv

# Relative paths the app writes to (e.g. data/) resolve under /app; mount a volume on /app/data to keep them.
WORKDIR /app
USER flywheel:flywheel

EXPOSE 8080

# /healthz is served by the HTTP API (roles `all` and `api`). A `worker` has no HTTP server: compose turns
# this check off for the worker service. python is used because the slim image has no curl or wget.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('FLYWHEEL_API_PORT', '8080'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["flywheel"]
CMD ["up"]
