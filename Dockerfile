# Production image of QMS Portal: the same code runs as web (gunicorn), Celery worker and Celery beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm make gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
RUN pip install .

COPY package.json package-lock.json Makefile ./
RUN make assets

COPY . .
RUN DEBUG=true python manage.py compilemessages --ignore=node_modules >/dev/null \
 && useradd --system --home /app qms && mkdir -p /app/var && chown -R qms /app/var
USER qms

EXPOSE 8000
CMD ["gunicorn", "qms_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
