FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Build-time values only: collectstatic reads the production settings, touches no database,
# signs nothing (the key is long only because production refuses a short one).
# var/models belongs to the app's user: compose's models volume starts as a copy of it.
RUN DJANGO_SETTINGS_MODULE=config.settings.production \
    SECRET_KEY=insecure-build-only-key-for-collectstatic-it-never-signs-anything \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 claimdesk \
    && mkdir -p /app/var/models && chown claimdesk /app/var/models
USER claimdesk
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
