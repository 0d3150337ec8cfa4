"""A room's followers on every worker: the teacher's worker publishes, the others relay.

The worker that holds a room's session publishes its messages and frames on the Redis channel
``bpp:feed:{code}`` while any other worker listens: one ``Viewer`` (app/runner.py) whose sends
publish, so each message and frame is built once, whatever the number of followers and workers.
A payload is one byte of kind and the message: ``T`` + JSON text, ``B`` + a binary frame, ``C``
+ {code, reason} when the room sends its followers away (it ended, shows another run, moved),
``N`` + {followers, locked}: the whole room's followers and whether joining is locked, each
second while anyone listens.

A worker with followers of a room held elsewhere subscribes to its feed and keeps what a late
joiner needs: the newest layout, status and inspection, the whole loss history and the newest
frame. Each of its followers' sockets sends the newest of each when it is ready for more: a
slow follower gets fewer, newer frames and never holds up the others.
"""

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from fastapi import WebSocket
from redis.exceptions import RedisError

from app.api.ws import CLOSED, parse
from app.cluster.checkpoints import CONTROL_CHANNEL, FEED_CHANNEL, SESSION_KEY
from app.config import Limits, SessionConfig
from app.connections import GOING_AWAY, MOVED
from app.errors import Refusal
from app.protocol import ErrorMessage, GradCheckMessage, HelloMessage
from app.rooms import ROOM_ENDED, RoomRegistry, normalize
from app.runner import Viewer
from app.scheduler import Account, Payer, TokenBucket
from app.sessions import Session

if TYPE_CHECKING:
    from app.cluster.worker import Cluster

log = logging.getLogger(__name__)

# How often the teacher's worker asks Redis whether anyone listens to its rooms' feeds, and
# a relaying worker whether the room's owner still lives.
WATCH_SECONDS = 1.0
# How long a follower waits for the first status of a feed before giving up.
READY_SECONDS = 5.0
TEXT, BINARY, CLOSE, COUNT = b"T", b"B", b"C", b"N"
# A relayed loss history is cut to its newest rows past this (the owner thins long before).
MAX_ROWS = 20_000
# The owner's newest history appends kept as it sent them, for followers a little behind.
APPENDS_KEPT = 256


class FeedViewer(Viewer):
    """The room's one publishing viewer: it inspects whatever the steering page inspects."""

    async def flush(self) -> None:
        self.target = self.session.shown_target
        await super().flush()

    def grid_due(self) -> bool:
        """Always: a follower on another worker may join at any frame, and gets the newest."""
        return True

    def resync(self) -> None:
        """Everything again from the start, for a worker that has just subscribed."""
        self.sent = {key: -1 for key in self.sent}
        self.history_sent = (None, 0, 0)
        self.changed.set()


class Feed:
    """The teacher's worker publishing one room's shown session."""

    def __init__(self, cluster: "Cluster", code: str, session: Session) -> None:
        self.cluster, self.code, self.session = cluster, code, session
        self.channel = FEED_CHANNEL.format(code)
        self.viewer = FeedViewer(session, cluster.settings.limits, self.send_text, self.send_bytes)
        # Charged to the session like a page of it, so that training it is scheduled with the rest.
        self.viewer.account = Account(cluster.app.state.scheduler, Payer(session.id, f"room-feed:{code}"))
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        loops = self.cluster.app.state.training_loops
        try:
            async with loops.watching(self.session, self.viewer.account):
                await self.viewer.run()
        except (RedisError, OSError) as e:
            log.warning("feed of room %s stopped: %s", self.code, e)

    async def send_text(self, text: str) -> None:
        await self.cluster.redis.publish(self.channel, TEXT + text.encode())

    async def send_bytes(self, frame: bytes) -> None:
        await self.cluster.redis.publish(self.channel, BINARY + frame)

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.wait([self.task])


class RemoteRoom:
    """A room held by another worker, as this worker's followers of it see it."""

    def __init__(self, cluster: "Cluster", code: str, session_id: str, owner: str) -> None:
        self.cluster, self.code, self.session_id, self.owner = cluster, code, session_id, owner
        self.layout: str | None = None
        self.status: str | None = None
        self.inspection: str | None = None
        self.frame: bytes | None = None
        # The loss history: its newest rows, how many came since it was last replaced (the
        # trimmed ones included), and the owner's newest appends as sent: (first row, end, text).
        self.rows: deque[Any] = deque(maxlen=MAX_ROWS)
        self.total_rows = 0
        self.appends: deque[tuple[int, int, str]] = deque(maxlen=APPENDS_KEPT)
        # The whole history as one message, shared by every follower that needs it: the owner's
        # own text when nothing was appended or trimmed since, else built once for this state.
        self.full_text = ""
        self.full_at = (-1, -1)
        # Bumped whenever the corresponding part changes; "history" when the rows are replaced.
        self.versions = {"layout": 0, "status": 0, "inspection": 0, "frame": 0, "history": 0}
        self.followers: set[asyncio.Event] = set()
        # The whole room's followers, as its owner counted them a moment ago, and whether
        # joining was locked then.
        self.total = 0
        self.locked = False
        self.ready = asyncio.Event()
        self.ended = asyncio.Event()
        self.close_with: tuple[int, str] = MOVED
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        redis = self.cluster.redis
        try:
            async with redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(FEED_CHANNEL.format(self.code))
                await redis.publish(CONTROL_CHANNEL.format(self.owner), json.dumps({"op": "feed", "room": self.code}))
                watch = asyncio.create_task(self.watch())
                try:
                    async for message in pubsub.listen():
                        data = message.get("data")
                        if isinstance(data, bytes):
                            self.take(data)
                finally:
                    watch.cancel()
        except (RedisError, OSError) as e:
            log.warning("relay of room %s lost: %s", self.code, e)
        finally:
            self.end(*MOVED)

    async def watch(self) -> None:
        """The room's owner gone or changed: the followers reconnect, to wherever it is now."""
        while not self.ended.is_set():
            await asyncio.sleep(WATCH_SECONDS)
            try:
                await self.cluster.redis.publish(CONTROL_CHANNEL.format(self.owner), json.dumps(
                    {"op": "followers", "room": self.code, "worker": self.cluster.worker,
                     "count": len(self.followers)}))
                owner = await self.cluster.room_owner(self.code)
                gone = owner is None or owner != (self.session_id, self.owner)
                if gone or not await self.cluster.alive(self.owner):
                    self.end(*(ROOM_ENDED if owner is None else MOVED))
                    self.task.cancel()
                    return
            except (RedisError, OSError):
                continue

    def take(self, data: bytes) -> None:
        """One published payload; a malformed one is dropped."""
        kind, body = data[:1], data[1:]
        try:
            if kind == BINARY:
                self.frame = body
                self.bump("frame")
            elif kind == TEXT:
                self.take_text(body.decode())
            elif kind == COUNT:
                count = json.loads(body)
                self.total, self.locked = int(count["followers"]), bool(count["locked"])
            elif kind == CLOSE:
                message = json.loads(body)
                self.end(int(message["code"]), str(message["reason"]))
                self.task.cancel()
        except (ValueError, KeyError, TypeError) as e:
            log.info("relay of room %s: payload dropped: %s", self.code, e)

    def take_text(self, text: str) -> None:
        message = json.loads(text)
        kind = message.get("type")
        if kind == "layout" and text != self.layout:
            self.layout = text
            self.bump("layout")
        elif kind == "status":
            self.status = text
            self.ready.set()
            self.bump("status")
        elif kind == "inspection":
            self.inspection = text
            self.bump("inspection")
        elif kind == "history":
            rows = message["rows"]
            if not isinstance(rows, list):
                raise TypeError("history rows must be a list")
            if message.get("append"):
                self.appends.append((self.total_rows, self.total_rows + len(rows), text))
                self.rows.extend(rows)
                self.total_rows += len(rows)
                self.wake()
            else:
                self.rows.clear()
                self.rows.extend(rows)
                self.total_rows = len(rows)
                self.appends.clear()
                self.bump("history")
                if len(rows) <= MAX_ROWS:
                    self.full_text, self.full_at = text, (self.versions["history"], self.total_rows)

    def full_history(self) -> str:
        if self.full_at != (self.versions["history"], self.total_rows):
            self.full_text = json.dumps({"type": "history", "rows": list(self.rows), "append": False})
            self.full_at = (self.versions["history"], self.total_rows)
        return self.full_text

    def appended_since(self, rows_sent: int) -> list[str] | None:
        """The owner's appends after the first ``rows_sent`` rows, as it sent them; None when
        they are no longer all kept."""
        pending = [(start, text) for start, end, text in self.appends if end > rows_sent]
        if not pending or pending[0][0] != rows_sent:
            return None
        return [text for _, text in pending]

    def bump(self, part: str) -> None:
        self.versions[part] += 1
        self.wake()

    def wake(self) -> None:
        for changed in self.followers:
            changed.set()

    def end(self, code: int, reason: str) -> None:
        if not self.ended.is_set():
            self.close_with = (code, reason)
            self.ended.set()
            if self.cluster.relay.remotes.get(self.code) is self:
                del self.cluster.relay.remotes[self.code]

    def config(self) -> SessionConfig:
        assert self.status is not None
        return SessionConfig.model_validate(json.loads(self.status)["config"])


class Relay:
    def __init__(self, cluster: "Cluster") -> None:
        self.cluster = cluster
        self.feeds: dict[str, Feed] = {}
        self.remotes: dict[str, RemoteRoom] = {}
        # Followers other workers relay, by room and worker: (count, when they said so).
        self.counts: dict[str, dict[str, tuple[int, float]]] = {}
        self.task: asyncio.Task[None] | None = None

    @property
    def rooms(self) -> RoomRegistry:
        return self.cluster.rooms

    async def start(self) -> None:
        self.task = asyncio.create_task(self.watch_feeds())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.wait([self.task])
        for remote in list(self.remotes.values()):
            remote.end(*GOING_AWAY)
            remote.task.cancel()
        for feed in list(self.feeds.values()):
            with contextlib.suppress(RedisError, OSError):
                await self.cluster.redis.publish(feed.channel, CLOSE + json.dumps(
                    {"code": MOVED[0], "reason": MOVED[1]}).encode())
            await feed.stop()
        self.feeds.clear()

    # The teacher's side

    async def watch_feeds(self) -> None:
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            try:
                await self.update_feeds()
            except (RedisError, OSError) as e:
                log.warning("room feeds: %s", e)

    async def update_feeds(self) -> None:
        """A feed for each room here that another worker listens to, of the session it shows."""
        codes = list(self.rooms.rooms)
        channels = [FEED_CHANNEL.format(code) for code in codes]
        listening = dict(await self.cluster.redis.pubsub_numsub(*channels)) if codes else {}
        for code in codes:
            if listening.get(FEED_CHANNEL.format(code).encode(), 0):
                self.resync(code, everything=False)
                room = self.rooms.rooms.get(code)
                if room is not None:  # for the relays' room_full and room_locked
                    count = {"followers": len(room.followers) + self.remote_followers(code),
                             "locked": room.joining_locked}
                    await self.cluster.redis.publish(FEED_CHANNEL.format(code), COUNT + json.dumps(count).encode())
        for code, feed in list(self.feeds.items()):
            if code not in self.rooms.rooms or not listening.get(feed.channel.encode(), 0) or feed.task.done():
                del self.feeds[code]
                await feed.stop()

    def resync(self, code: str, everything: bool = True) -> None:
        """The room's feed, started if it was not; from the start if ``everything``."""
        room = self.rooms.rooms.get(normalize(code))
        if room is None:
            return
        shown = self.cluster.registry.sessions.get(
            RoomRegistry.shown_session(room, self.cluster.registry.sessions.__contains__))
        feed = self.feeds.get(room.code)
        if feed is not None and (feed.session is not shown or feed.task.done()):
            feed.task.cancel()
            feed = None
        if shown is None:
            return
        if feed is None:
            self.feeds[room.code] = Feed(self.cluster, room.code, shown)
        elif everything:
            feed.viewer.resync()

    def counted(self, code: str, worker: str, count: int) -> None:
        """A relaying worker's followers of a room here, as it says each second."""
        if normalize(code) in self.rooms.rooms:
            self.counts.setdefault(normalize(code), {})[worker] = (max(0, count), time.monotonic())

    def remote_followers(self, code: str) -> int:
        """Followers of a room here on other workers, as they said within the last seconds."""
        cutoff = time.monotonic() - 3 * WATCH_SECONDS
        counts = self.counts.get(code, {})
        for worker, (_, at) in list(counts.items()):
            if at < cutoff:
                del counts[worker]
        return sum(count for count, _ in counts.values())

    def followers_closed(self, code: str, close_code: int, reason: str) -> None:
        """The room sent its followers away: those other workers relay go too."""
        feed = self.feeds.pop(code, None)
        if feed is not None:
            feed.task.cancel()
        payload = CLOSE + json.dumps({"code": close_code, "reason": reason}).encode()
        self.cluster.spawn(self.cluster.redis.publish(FEED_CHANNEL.format(code), payload))

    # The followers' side

    async def remote_room(self, code: str) -> RemoteRoom | None:
        """The room as relayed here, when another live worker holds it; None when it is here
        (restored here if its owner was dead) or nowhere."""
        code = normalize(code)
        if code in self.rooms.rooms:
            return None
        remote = self.remotes.get(code)
        if remote is not None and not remote.ended.is_set():
            self.check_joining(remote)
            return remote
        cluster = self.cluster
        try:
            found = await cluster.room_owner(code)
            if found is None:
                return None
            session_id, owner = found
            if owner and owner != cluster.worker and await cluster.alive(owner):
                room = json.loads(await cluster.redis.hget(SESSION_KEY.format(session_id), "room") or b"{}")
                RoomRegistry.check_unlocked(bool(room.get("joining_locked")))
                remote = self.remotes.get(code)  # made meanwhile, for a follower that came at once
                if remote is None or remote.ended.is_set():
                    remote = self.remotes[code] = RemoteRoom(cluster, code, session_id, owner)
                self.check_joining(remote)
                return remote
        except (RedisError, OSError, ValueError) as e:
            log.warning("room %s: directory unavailable: %s", code, e)
            return None
        await cluster.find(session_id)
        return None

    def check_joining(self, remote: RemoteRoom) -> None:
        """As RoomRegistry.check_joining, with what the room's owner said a moment ago."""
        RoomRegistry.check_unlocked(remote.locked)
        self.rooms.check_room_for(max(remote.total, len(remote.followers)))

    async def follow(self, websocket: WebSocket, remote: RemoteRoom) -> None:
        """Serve one follower's socket from a relayed room, until it leaves or the room goes."""
        changed = asyncio.Event()
        changed.set()
        remote.followers.add(changed)
        try:
            await self.serve_follower(websocket, remote, changed)
        finally:
            remote.followers.discard(changed)
            if not remote.followers:  # the last one here: the relay ends
                remote.end(*MOVED)
                remote.task.cancel()

    async def serve_follower(self, websocket: WebSocket, remote: RemoteRoom, changed: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(READY_SECONDS):
                await remote.ready.wait()
        if not remote.ready.is_set() or remote.ended.is_set():
            await websocket.close(*remote.close_with if remote.ended.is_set() else (1013, "room not ready"))
            return
        await websocket.send_text(HelloMessage(session_id=remote.session_id, token=None, config=remote.config(),
                                               limits=self.cluster.settings.limits).model_dump_json())
        with self.cluster.app.state.connections.opened() as connection:
            tasks = [asyncio.create_task(self.send(websocket, remote, changed)),
                     asyncio.create_task(drain(websocket, self.cluster.settings.limits)),
                     asyncio.create_task(connection.closing.wait()),
                     asyncio.create_task(remote.ended.wait())]
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.wait(tasks)
            close_with = connection.close_with or (remote.close_with if remote.ended.is_set() else None)
            if close_with is not None:
                with contextlib.suppress(*CLOSED):
                    await websocket.close(*close_with)
        # As app/api/ws.py's serve: every task's exception looked at; a closed socket is no failure.
        failures = [t.exception() for t in tasks if not t.cancelled()]
        for failure in failures:
            if failure is not None and not isinstance(failure, CLOSED):
                raise failure

    async def send(self, websocket: WebSocket, remote: RemoteRoom, changed: asyncio.Event) -> None:
        """The newest of each part whenever this socket is ready for more."""
        sent = {part: -1 for part in remote.versions}
        rows_sent = 0
        metrics = self.cluster.app.state.metrics
        while True:
            await changed.wait()
            changed.clear()
            versions = dict(remote.versions)
            if versions["layout"] != sent["layout"] and remote.layout is not None:
                await websocket.send_text(remote.layout)
            total = remote.total_rows
            appends = remote.appended_since(rows_sent) if total > rows_sent else []
            if versions["history"] != sent["history"] or total < rows_sent or appends is None:
                await websocket.send_text(remote.full_history())
            else:
                for text in appends:
                    await websocket.send_text(text)
            rows_sent = total
            if versions["status"] != sent["status"] and remote.status is not None:
                await websocket.send_text(remote.status)
            if versions["frame"] != sent["frame"] and remote.frame is not None:
                await websocket.send_bytes(remote.frame)
                metrics.frames.inc()
            if versions["inspection"] != sent["inspection"] and remote.inspection is not None:
                await websocket.send_text(remote.inspection)
            sent = versions


# A relayed follower's gradient check would need the network, which lives on another worker.
RELAYED = Refusal(code="relayed_follower", message="this page follows the room through another "
                  "server: it cannot check gradients here")


async def drain(websocket: WebSocket, limits: Limits) -> None:
    """A relayed follower's messages: its page only watches, and sees what the teacher inspects.
    A gradient check is refused; everything else is dropped (past the socket's rate, unread)."""
    bucket = TokenBucket(limits.ws_messages_per_second)
    while (event := await websocket.receive())["type"] != "websocket.disconnect":
        text = event.get("text")
        if text and bucket.take() and isinstance(parse(text, limits), GradCheckMessage):
            await websocket.send_text(ErrorMessage(**RELAYED.model_dump()).model_dump_json())
        await asyncio.sleep(0)
