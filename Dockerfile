# presswatch in a container: `presswatch run` as a non-root user, the archive on a volume.
#
#   docker build -t presswatch .
#   docker run -d --name presswatch --init --restart on-failure --stop-timeout 30 \
#       -v presswatch-data:/var/lib/presswatch \
#       -v "$PWD/config:/etc/presswatch:ro" \
#       -e SMTP_PASSWORD presswatch
#   docker kill --signal HUP presswatch        # reload the configuration
#   docker exec presswatch presswatch status   # or: backup /var/lib/presswatch/backup.db
#
# See docs/deployment.md. (This file could not be built on the machine it was written on.)

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md scrapy.cfg ./
COPY config ./config
COPY scheduler ./scheduler
COPY crawler ./crawler
COPY alerts ./alerts
RUN python -m venv /opt/presswatch \
    && /opt/presswatch/bin/pip install --no-cache-dir --upgrade pip \
    && /opt/presswatch/bin/pip install --no-cache-dir .

FROM python:3.11-slim
# tzdata: digest times are local times in IANA zones; keep the zone rules in the image current.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 presswatch \
    && useradd --system --uid 10001 --gid presswatch --home-dir /var/lib/presswatch \
        --shell /usr/sbin/nologin presswatch \
    && install --directory --owner presswatch --group presswatch --mode 0750 /var/lib/presswatch
COPY --from=build /opt/presswatch /opt/presswatch
# The shipped configuration, baked in as a default; mount your own over /etc/presswatch.
COPY config /etc/presswatch
ENV PATH=/opt/presswatch/bin:$PATH \
    PRESSWATCH_CONFIG=/etc/presswatch \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
# database = "data/presswatch.db" and the outbox are relative to this directory: the volume.
WORKDIR /var/lib/presswatch
VOLUME ["/var/lib/presswatch"]
USER presswatch:presswatch
# presswatch stops gracefully on SIGTERM within 25 s; give it 30 (docker's default is 10).
STOPSIGNAL SIGTERM
ENTRYPOINT ["presswatch"]
CMD ["run"]
