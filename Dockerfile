# The Niaga image: one image for every process (API, worker, projection daemon, scheduler,
# migrations). Build context is the repository root; only what `pip install .` needs is copied.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# Pinned dependencies first (their layer is reused while only the code changes). The lock holds
# what production needs, S3 included, and not the embedded PostgreSQL of `make run`.
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock

COPY pyproject.toml README.md ./
COPY domain/ domain/
COPY application/ application/
COPY projections/ projections/
COPY adapters/ adapters/
COPY api/ api/
COPY migrations/ migrations/

# Install without resolving again (everything is pinned above), drop the sources (so nothing can
# shadow the installed package), check that the lock was complete, and fail the build, not the
# first start, if the migrations' SQL files did not make it into the package.
RUN pip install --no-deps . \
    && cd / && rm -rf /src \
    && pip check \
    && python -c "from importlib.resources import files; sql = files('migrations') / 'sql'; \
assert sql.is_dir() and any(f.name.endswith('.sql') for d in sql.iterdir() for f in d.iterdir()), \
'migration SQL missing from the package: package-data in pyproject.toml must match sql/*/*.sql'"

# Never run as root. PostgreSQL and Redis hold the state; /var/lib/niaga (a volume) holds
# transfer proofs and local backups, writable by the service user.
RUN useradd --system --uid 10001 --no-create-home --home-dir /app niaga \
    && mkdir -p /app /var/lib/niaga \
    && chown niaga /app /var/lib/niaga
WORKDIR /app
USER niaga
VOLUME /var/lib/niaga

ENV NIAGA_ENV=production \
    NIAGA_HOST=0.0.0.0 \
    NIAGA_PORT=8000 \
    NIAGA_DATA_DIR=/var/lib/niaga
EXPOSE 8000

CMD ["niaga", "serve", "--no-projections", "--host", "0.0.0.0"]
