# sqmsbot: one image for every mode (`sqmsbot run` picks Slack, Lark or the console from the environment).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SQMS_DATABASE_URL=sqlite:////data/sqmsbot.db \
    SQMS_CONFIG=/config/sqmsbot.toml

WORKDIR /app
RUN useradd --create-home --uid 10001 sqmsbot \
    && mkdir -p /data /config \
    && chown sqmsbot:sqmsbot /data

COPY pyproject.toml constraints.txt README.md sqmsbot.example.toml ./
COPY sqmsbot ./sqmsbot
COPY commands ./commands
COPY jobs ./jobs
COPY migrations ./migrations
RUN pip install --no-cache-dir -c constraints.txt . \
    && sqmsbot --help > /dev/null

USER 10001
VOLUME ["/data"]
CMD ["sh", "-c", "sqmsbot db upgrade --quiet && exec sqmsbot run"]
