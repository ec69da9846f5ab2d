# Slim, non-root production image: gunicorn serving livrili.wsgi (DEBUG off).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.txt .
RUN python -m venv /venv && /venv/bin/pip install -r requirements.txt
COPY . .
RUN DJANGO_DEBUG=1 /venv/bin/python manage.py compile_translations \
 && DJANGO_DEBUG=1 STATIC_ROOT=/app/staticfiles /venv/bin/python manage.py collectstatic --no-input -v 0

FROM python:3.11-slim
# WeasyPrint (invoice and statement PDFs): Pango/HarfBuzz and a font with Arabic glyphs.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz0b fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
ENV PATH=/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_DEBUG=0 LOG_FORMAT=json \
    STATIC_ROOT=/app/staticfiles MEDIA_ROOT=/data/media PRIVATE_MEDIA_ROOT=/data/private
RUN useradd --create-home --uid 10001 livrili && mkdir -p /data && chown livrili /data
COPY --from=build /venv /venv
COPY --from=build --chown=livrili /app /app
WORKDIR /app
USER livrili
EXPOSE 8000
# Asks with the first allowed host name: Django refuses a Host it does not serve (400).
HEALTHCHECK CMD python -c "import os,urllib.request as u;h=os.environ.get('DJANGO_ALLOWED_HOSTS','localhost').split(',')[0].strip();u.urlopen(u.Request('http://127.0.0.1:8000/health',headers={'Host':h}))"
CMD ["gunicorn", "livrili.wsgi"]
