FROM python:3.11-slim AS app
WORKDIR /srv/backprop-playground
COPY . .
# The install part of README's start command, unchanged.
RUN python3 -m venv .venv && .venv/bin/pip install -e .
EXPOSE 8000
CMD [".venv/bin/backprop-playground", "--host", "0.0.0.0", "--port", "8000"]

# A worker of the multi-worker topology (docker-compose.yml): the same install, plus redis-py.
FROM app AS worker
RUN .venv/bin/pip install -e '.[cluster]'

# The default image (`docker build .`): the one-process server above.
FROM app
