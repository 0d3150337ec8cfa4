"""How uvicorn runs the app: the options the console entry, the benchmark and the live-server
tests share, so that they all meet the same WebSocket limits, pings and shutdown."""

import copy
import logging
import re
import socket
from typing import Any
from urllib.parse import unquote_plus

import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from app.main import SHUTDOWN_SECONDS, shutdown
from app.settings import Settings

# A query parameter in a logged request line: its separator, name and value.
QUERY_PARAMETER = re.compile(r"([?&])([^=&#\s\"]*)=([^&#\s\"]*)")
# The parameters whose values never reach a log: a steering token lets anyone reading the log
# steer, reset or delete its session.
SECRET_PARAMETERS = frozenset({"token"})
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """The text with the value of every secret query parameter replaced (its name matched as
    the app reads it, percent-decoded, so `tok%65n=` is caught too)."""
    if "=" not in text:
        return text
    return QUERY_PARAMETER.sub(
        lambda m: f"{m[1]}{m[2]}={REDACTED}" if unquote_plus(m[2]) in SECRET_PARAMETERS else m[0],
        text)


class RedactSecrets(logging.Filter):
    """Takes steering tokens out of uvicorn's log lines: its access log prints each request
    line with its query string, and its WebSocket log each socket's URL, and both carry
    `?session=ID&token=T` when a page or script steers a session."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


# One instance, so that configuring logging again (every uvicorn.Config does) adds it once.
REDACT_SECRETS = RedactSecrets()


def redact_secrets() -> RedactSecrets:
    return REDACT_SECRETS


def log_config() -> dict[str, Any]:
    """uvicorn's own logging, with secrets redacted on the two loggers that print URLs."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact_secrets": {"()": f"{__name__}.redact_secrets"}}
    for name in ("uvicorn.error", "uvicorn.access"):
        config["loggers"][name]["filters"] = ["redact_secrets"]
    return config


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's own protocol, except that a text message that is not UTF-8 (the client's
    error, not the server's) closes the socket with 1007, as RFC 6455 asks, after one log line
    instead of a traceback: a client sending it in a loop cannot flood the log."""

    def send_receive_event_to_app(self) -> None:
        if self.curr_msg_data_type == "text" and not self.close_sent:
            try:
                b"".join(self.frames).decode()
            except UnicodeDecodeError:
                self.frames = []
                self.logger.info("closing a WebSocket that sent invalid UTF-8 text (1007)")
                self.conn.send_close(1007, "invalid UTF-8")
                self.handle_parser_exception()
                return
        super().send_receive_event_to_app()


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.Config's options. A message above max_message_bytes gets an error reply from the
    app; only one above the hard cap is cut off by uvicorn (close 1009)."""
    limits = settings.limits
    return {
        "ws": WebSocketProtocol,
        # Deflate costs 10-40x the send itself per frame; frames are already compact bytes.
        "ws_per_message_deflate": False,
        "ws_max_size": limits.max_message_hard_bytes,
        # A client that stops answering pings is dropped: its session stops training and can
        # expire. A silent client that answers them stays.
        "ws_ping_interval": limits.ws_ping_interval_seconds,
        "ws_ping_timeout": limits.ws_ping_timeout_seconds,
        # A handler that still has not finished by then is cancelled: SIGTERM always ends.
        "timeout_graceful_shutdown": int(SHUTDOWN_SECONDS) + 2,
        "log_config": log_config(),
    }


def server(app: FastAPI, settings: Settings, host: str, port: int) -> uvicorn.Server:
    """uvicorn serving the app as the command does (tests serve it the same way)."""
    config = uvicorn.Config(app, host=host, port=port, **server_options(settings))
    return server_class(app)(config)


def server_class(app: FastAPI) -> type[uvicorn.Server]:
    """uvicorn's server, which first lets the app close its sockets with a reason: uvicorn's
    own shutdown closes them with 1012 and then waits for every handler before the lifespan's
    shutdown runs."""

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            await shutdown(app)
            await super().shutdown(sockets)

    return Server
