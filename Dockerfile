FROM python:3.11-slim
WORKDIR /srv/backprop-playground
COPY . .
# The install part of README's start command, unchanged.
RUN python3 -m venv .venv && .venv/bin/pip install -e .
EXPOSE 8000
CMD [".venv/bin/backprop-playground", "--host", "0.0.0.0", "--port", "8000"]
