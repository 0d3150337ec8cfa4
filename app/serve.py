"""How uvicorn runs the app: the options the console entry, the benchmark and the live-server
tests share, so that they all meet the same WebSocket limits."""

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from app.settings import Settings


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
    return {
        "ws": WebSocketProtocol,
        # Deflate costs 10-40x the send itself per frame; frames are already compact bytes.
        "ws_per_message_deflate": False,
        "ws_max_size": settings.limits.max_message_hard_bytes,
    }
