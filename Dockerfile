# asfnet web image: gunicorn serving Django, static files via WhiteNoise. The same image runs the Celery
# worker and beat (see docker-compose.yml). Configuration comes from the environment at run time
# (.env.example lists every variable); nothing secret is baked in.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext: compile the Swedish/English catalogues (locale/*.po are kept in git, *.mo are built here).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 asfnet \
    && useradd --system --uid 10001 --gid asfnet --home-dir /app --shell /usr/sbin/nologin asfnet

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Build-time only: the settings fail closed without DEBUG, so give them a throwaway key and host for
# collectstatic/compilemessages. These values exist in this RUN step only, never in the image's ENV.
RUN DEBUG=false \
    SECRET_KEY=build-time-only-not-a-secret-used-for-collectstatic-0000000000 \
    ALLOWED_HOSTS=build.invalid \
    REDIS_URL=redis://build.invalid:6379/0 \
    ASFNET_VAR_DIR=/tmp/build-var \
    sh -c "python manage.py collectstatic --noinput -v0 && python manage.py compilemessages -v0" \
    && rm -rf /tmp/build-var \
    && mkdir -p /app/var/media \
    && chown -R asfnet:asfnet /app/var

# Code and static files stay root-owned (read-only for the app); only var/ (uploads, beat schedule) is
# writable.
USER asfnet

EXPOSE 8000
CMD ["gunicorn", "asfnet.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2"]
