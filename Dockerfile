# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml package.json package-lock.json ./
RUN pip install . && npm ci --omit=dev --no-audit --no-fund
COPY . .
# collectstatic needs settings to import; these throwaway values are not used at run time.
RUN DEBUG=false SECRET_KEY=build-only-$(date +%s)-not-a-secret-at-all-just-for-collectstatic \
    ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://build:6379/0 \
    python manage.py collectstatic --noinput -v0
RUN useradd --system --home /app oxtom && chown -R oxtom /app
USER oxtom
EXPOSE 8000
CMD ["gunicorn", "oxtom.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
