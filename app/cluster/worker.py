"""One worker of a cluster: its heartbeat, its checkpoints, and the sessions it finds elsewhere.

Every worker writes ``bpp:worker:{id}`` with a short TTL each second: a worker whose key is gone
is dead. Every few seconds (checkpoint_seconds) it saves each session that changed into
``bpp:session:{id}`` (app/cluster/checkpoints.py), owner included, with the session's TTL.

Asked about a session it does not hold (the proxy sends requests for a session to the worker
it last saw answer for it, or, without such an entry, to the worker its id hashes to), a worker
looks in the directory: a session whose owner is dead is restored from its last checkpoint and
claimed; one whose owner lives is asked for over the owner's control channel, and the owner
saves it, closes its sockets with "moved" (the pages reconnect by themselves) and lets it go.
Claims are compare-and-set scripts on the owner field, so two workers never both take one;
a worker asked for a session while another claims it asks that one in turn. An owner is a
worker's name and a per-process nonce (``worker1:3f9a0c1e``): a worker restarted under the
same name reads its predecessor's sessions as a dead owner's. A worker that finds its session
owned by another drops its copy at its next checkpoint round.
"""

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
from fastapi import FastAPI, Request, Response
from redis.exceptions import RedisError

from app.api.deps import SESSION_HEADER
from app.api.rooms import ROOM_HEADER
from app.cluster.checkpoints import (
    CONTROL_CHANNEL,
    ROOM_KEY,
    SESSION_KEY,
    WORKER_KEY,
    checkpointable,
    read_checkpoint,
    room_json,
    snapshot,
)
from app.cluster.relay import Relay
from app.connections import MOVED
from app.errors import Refused
from app.rooms import ROOM_ENDED, Room, RoomRegistry, normalize
from app.sessions import Session, SessionRegistry
from app.settings import Settings

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0
# A worker silent this long is dead: its sessions may be restored elsewhere.
WORKER_TTL_MS = 3000
# How long a worker waits for a live owner to let a session go.
HANDOVER_SECONDS = 3.0
ASK_AGAIN_SECONDS = 0.5
CLAIM_ATTEMPTS = 3
# Waits between the first heartbeat's attempts while Redis is away at start.
START_RETRIES = (0.25, 0.5, 1.0, 2.0, 2.0, 2.0, 2.0)
WORKER_HEADER = "X-Bpp-Worker"

# Owner ARGV[1] -> ARGV[2], only if the owner is still ARGV[1]: a claim, or a release ("").
CLAIM = """
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner == ARGV[1] then
  redis.call('HSET', KEYS[1], 'owner', ARGV[2])
  return 1
end
return 0
"""
# A checkpoint written only by the session's owner (or for a session not in the directory yet):
# one let go ("") is the next claimant's, never its former owner's again.
SAVE = """
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner and owner ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
# An unchanged checkpoint kept alive by its owner: 1 kept, 0 gone (saved again), -1 owned elsewhere.
RENEW = """
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return 0 end
if owner ~= ARGV[1] then return -1 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if KEYS[2] then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 1
"""
# A room that ended leaves the directory (unless its code names another session now).
FORGET_ROOM = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 0
"""
# A session deleted or expired by its owner leaves the directory.
FORGET = """
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 0
"""


class Contended(Exception):
    """Another worker claimed the session between this one's look and its claim."""


def text(fields: dict[Any, Any]) -> dict[str, str]:
    return {decoded(k): decoded(v) for k, v in fields.items()}


def decoded(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Cluster:
    def __init__(self, app: FastAPI, settings: Settings) -> None:
        assert settings.redis_url is not None and settings.worker_id is not None
        self.app, self.settings = app, settings
        self.name: str = settings.worker_id
        # Who owns sessions and beats: this process, not the next one started under its name.
        self.worker = f"{self.name}:{secrets.token_hex(4)}"
        self.redis = aioredis.from_url(settings.redis_url)
        self.claim_script = self.redis.register_script(CLAIM)
        self.save_script = self.redis.register_script(SAVE)
        self.forget_script = self.redis.register_script(FORGET)
        self.renew_script = self.redis.register_script(RENEW)
        self.forget_room_script = self.redis.register_script(FORGET_ROOM)
        # What each session was like at its last checkpoint (versions, name, room).
        self.saved: dict[str, tuple[Any, ...]] = {}
        self.releasing: set[str] = set()
        # Sessions being let go: the checkpoint round leaves them alone.
        self.leaving: set[str] = set()
        self.finding: dict[str, asyncio.Task[Session | None]] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self.background: set[asyncio.Task[None]] = set()
        self.stopping = False
        self.relay = Relay(self)

    @property
    def registry(self) -> SessionRegistry:
        return self.app.state.registry

    @property
    def rooms(self) -> RoomRegistry:
        return self.app.state.rooms

    @property
    def ttl_ms(self) -> int:
        return int(self.settings.limits.session_ttl_seconds * 1000)

    async def start(self) -> None:
        await self.first_beat()
        self.registry.on_close.append(self.session_closed)
        self.registry.on_create.append(self.session_created)
        self.rooms.on_open.append(self.room_opened)
        self.rooms.on_end.append(self.room_ended)
        self.rooms.on_followers_closed.append(self.relay.followers_closed)
        self.rooms.elsewhere = self.relay.remote_followers
        self.tasks = [asyncio.create_task(self.repeat(self.beat, HEARTBEAT_SECONDS)),
                      asyncio.create_task(self.repeat(self.checkpoint, self.settings.checkpoint_seconds)),
                      asyncio.create_task(self.listen())]
        await self.relay.start()

    async def stop(self) -> None:
        """Stopping cleanly: every session saved and let go, for other workers to restore."""
        if self.stopping:
            return
        self.stopping = True
        # No checkpoint round or heartbeat in between: a session let go stays let go.
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        with contextlib.suppress(RedisError, OSError, TimeoutError):
            async with asyncio.timeout(2.0):
                for session in list(self.registry.sessions.values()):
                    await self.let_go(session)
                await self.redis.delete(WORKER_KEY.format(self.worker))
        await self.relay.stop()
        others: list[asyncio.Task[Any]] = [*self.background, *self.finding.values()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        await self.redis.aclose()

    async def repeat(self, work: Callable[[], Awaitable[None]], seconds: float) -> None:
        """``work`` every ``seconds``; a failure (Redis away, or a bug) is logged and tried again,
        never fatal."""
        while True:
            await asyncio.sleep(seconds)
            try:
                await work()
            except (RedisError, OSError) as e:
                log.warning("worker %s: %s failed: %s", self.worker, work.__name__, e)
            except Exception:
                log.exception("worker %s: %s failed", self.worker, work.__name__)
                await asyncio.sleep(seconds)

    async def first_beat(self) -> None:
        """The first heartbeat, tried again for a few seconds while Redis is away (starting at the
        same moment as this worker, or restarting); still away then, the worker does not start."""
        for wait in START_RETRIES:
            try:
                await self.beat()
                return
            except (RedisError, OSError) as e:
                log.warning("worker %s: Redis not reachable yet (%s); trying again in %g s", self.worker, e, wait)
                await asyncio.sleep(wait)
        await self.beat()

    async def beat(self) -> None:
        info = json.dumps({"sessions": len(self.registry.sessions), "at": time.time()})
        await self.redis.set(WORKER_KEY.format(self.worker), info, px=WORKER_TTL_MS)

    async def alive(self, worker: str) -> bool:
        return worker == self.worker or bool(await self.redis.exists(WORKER_KEY.format(worker)))

    # Checkpoints

    def mark(self, session: Session, room: Room | None) -> tuple[Any, ...]:
        return (session.state_version, session.status_version, session.name,
                None if room is None else room_json(room))

    async def checkpoint(self) -> None:
        """Save every session that changed since its last checkpoint; keep the others' alive,
        and drop those another worker owns now."""
        unchanged: list[tuple[Session, list[str]]] = []
        for session in list(self.registry.sessions.values()):
            if session.closed or session.id in self.leaving:
                continue
            room = self.rooms.of_session(session.id)
            mark = self.mark(session, room)
            if self.saved.get(session.id) == mark or session.diverged:  # its last good checkpoint stands
                keys = [SESSION_KEY.format(session.id)] + ([] if room is None else [ROOM_KEY.format(room.code)])
                unchanged.append((session, keys))
                continue
            await self.save(session, room)
            self.saved[session.id] = mark
            await asyncio.sleep(0)
        if not unchanged:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for _, keys in unchanged:
                await self.renew_script(keys=keys, args=[self.worker, self.ttl_ms], client=pipe)
            kept = await pipe.execute()
        for (session, _), there in zip(unchanged, kept):
            if not there:  # not in the directory (Redis restarted empty): saved at the next round
                self.saved.pop(session.id, None)
            elif there < 0 and not session.closed and session.id not in self.leaving:
                log.warning("worker %s: session %s is owned elsewhere now; dropping it", self.worker, session.id)
                self.drop(session)

    async def save(self, session: Session, room: Room | None, owner: str | None = None) -> None:
        # Copied here, encoded in a thread: a big network's JSON does not hold up the event loop.
        fields = await asyncio.to_thread(snapshot(session, self.worker if owner is None else owner, room).encode)
        args: list[str | int] = [self.worker, self.ttl_ms, *(part for item in fields.items() for part in item)]
        saved = await self.save_script(keys=[SESSION_KEY.format(session.id)], args=args)
        if room is not None:
            await self.redis.set(ROOM_KEY.format(room.code), session.id, px=self.ttl_ms)
        if not saved and not session.closed and session.id not in self.leaving:
            # Another worker took it (this one was thought dead): the copy here is stale.
            log.warning("worker %s: session %s is owned elsewhere now; dropping it", self.worker, session.id)
            self.drop(session)

    async def let_go(self, session: Session) -> None:
        """Saved with no owner: the next worker asked for it restores it at once. From here on
        the checkpoint round leaves it alone (it must not own it again)."""
        key = SESSION_KEY.format(session.id)
        self.leaving.add(session.id)
        try:
            if not session.diverged:
                await self.save(session, self.rooms.of_session(session.id), owner="")
            else:
                await self.claim_script(keys=[key], args=[self.worker, ""])
        except BaseException:  # not let go (Redis away): still this worker's to checkpoint
            self.leaving.discard(session.id)
            raise

    def session_created(self, session: Session) -> None:
        """In the directory at once, so that another worker asked for it finds its owner."""
        self.spawn(self.save_now(session))

    def room_opened(self, room: Room) -> None:
        session = self.registry.sessions.get(room.session_id)
        if session is not None:
            # Its code first (one quick SET), for followers on other workers; then the checkpoint.
            self.spawn(self.redis.set(ROOM_KEY.format(room.code), session.id, px=self.ttl_ms))
            self.spawn(self.save_now(session))

    def room_ended(self, room: Room, reason: tuple[int, str]) -> None:
        """Over (not moved): out of the directory, so that its followers elsewhere hear it is gone."""
        self.relay.counts.pop(room.code, None)
        if reason == ROOM_ENDED and not self.stopping:
            self.spawn(self.forget_room_script(keys=[ROOM_KEY.format(room.code)], args=[room.session_id]))

    async def save_now(self, session: Session) -> None:
        await asyncio.sleep(0)  # after the request that made it has set it up (an import, a fork)
        if not session.closed and not session.diverged:
            room = self.rooms.of_session(session.id)
            await self.save(session, room)
            self.saved[session.id] = self.mark(session, room)

    def spawn(self, work: Awaitable[Any]) -> None:
        """Best effort in the background: Redis away is logged, never raised."""
        async def guarded() -> None:
            try:
                await work
            except (RedisError, OSError) as e:
                log.warning("worker %s: %s", self.worker, e)
            except Exception:
                log.exception("worker %s: background work failed", self.worker)

        task = asyncio.get_running_loop().create_task(guarded())
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def session_closed(self, session_id: str) -> None:
        """Deleted or expired here: out of the directory too (not when it moves or the worker stops)."""
        self.saved.pop(session_id, None)
        self.leaving.discard(session_id)
        if session_id in self.releasing or self.stopping:
            return
        self.spawn(self.forget_script(keys=[SESSION_KEY.format(session_id)], args=[self.worker]))

    def drop(self, session: Session) -> None:
        """The session leaves this worker without ending: its sockets close with "moved", its
        room's followers too, and its checkpoint stays."""
        if self.registry.sessions.get(session.id) is not session:
            return  # dropped already
        room = self.rooms.of_session(session.id)
        if room is not None:
            self.rooms.end(room.code, MOVED)
        self.releasing.add(session.id)
        session.close_reason = MOVED
        try:
            self.registry.delete(session.id)
        finally:
            self.releasing.discard(session.id)

    # Finding a session held elsewhere

    async def find(self, session_id: str) -> Session | None:
        """The session, here already or brought here from the directory; None if it is nowhere."""
        found = self.registry.get(session_id)
        if found is not None or self.stopping:
            return found
        task = self.finding.get(session_id)
        if task is None:
            task = self.finding[session_id] = asyncio.create_task(self.bring(session_id))
            task.add_done_callback(lambda _: self.finding.pop(session_id, None))
        try:
            return await asyncio.shield(task)
        except (RedisError, OSError) as e:
            log.warning("worker %s: directory unavailable: %s", self.worker, e)
            raise Refused("directory_unavailable", "the session directory cannot be reached; "
                          "try again shortly", status=503) from e

    async def bring(self, session_id: str) -> Session | None:
        """From the directory: restored, or handed over. Another worker claiming it at the same
        moment (two pages asking two workers at once) wins this round; it is asked for again."""
        for _ in range(CLAIM_ATTEMPTS):
            with contextlib.suppress(Contended):
                return await self.bring_once(session_id)
        raise Refused("session_busy", "several servers asked for this session at once; try again",
                      status=503)

    async def bring_once(self, session_id: str) -> Session | None:
        key = SESSION_KEY.format(session_id)
        found = await self.redis.hget(key, "owner")
        if found is None:
            return None
        owner = decoded(found)
        if owner and owner != self.worker and await self.alive(owner):
            fields = await self.ask_for(session_id, owner)
            if not fields:
                return None
            owner = fields.get("owner", "")
        else:
            fields = text(await self.redis.hgetall(key))
            if not fields:
                return None
        checkpoint = read_checkpoint(session_id, fields, self.settings.limits)
        if checkpoint is None:
            return None
        if not await self.claim_script(keys=[key], args=[owner, self.worker]):
            raise Contended
        session = checkpoint.session(self.registry.clock())
        try:
            self.registry.adopt(session)
        except Refused:
            await self.claim_script(keys=[key], args=[self.worker, ""])
            raise
        room = checkpoint.room
        if room is not None and self.rooms.get(room.code) is None:
            self.rooms.adopt(room)
        self.saved[session_id] = self.mark(session, room)
        log.info("worker %s: session %s restored at step %d (from %s)", self.worker, session_id,
                 session.trainer.step_count, owner or "no owner")
        return session

    async def ask_for(self, session_id: str, owner: str) -> dict[str, str]:
        """Ask a live owner to let the session go; its checkpoint once it has (or {}). Claimed
        meanwhile by another live worker: Contended, and that one is asked in the next round."""
        key = SESSION_KEY.format(session_id)
        request = json.dumps({"op": "handover", "session": session_id})
        deadline = time.monotonic() + HANDOVER_SECONDS
        asked = 0.0
        while time.monotonic() < deadline:
            if time.monotonic() - asked > ASK_AGAIN_SECONDS:  # a message can be missed: asked again
                await self.redis.publish(CONTROL_CHANNEL.format(owner), request)
                asked = time.monotonic()
            await asyncio.sleep(0.02)
            now = await self.redis.hget(key, "owner")
            if now is None:
                return {}
            if decoded(now) != owner or not await self.alive(owner):
                fields = text(await self.redis.hgetall(key))
                claimant = fields.get("owner", "")
                if claimant and claimant != self.worker and await self.alive(claimant):
                    raise Contended
                return fields
        log.warning("worker %s: %s did not hand over session %s", self.worker, owner, session_id)
        raise Refused("session_busy", "the worker holding this session did not let it go; try again",
                      status=503)

    async def find_room(self, code: str) -> Room | None:
        """A room held elsewhere, brought here with its session."""
        code = normalize(code)
        found = self.rooms.get(code)
        if found is not None or self.stopping:
            return found
        try:
            session_id = await self.redis.get(ROOM_KEY.format(code))
        except (RedisError, OSError):
            return None
        if session_id is None or await self.find(decoded(session_id)) is None:
            return None
        return self.rooms.get(code)

    async def room_owner(self, code: str) -> tuple[str, str] | None:
        """(session id, owner) of a room in the directory, whoever holds it."""
        session_id = await self.redis.get(ROOM_KEY.format(normalize(code)))
        if session_id is None:
            return None
        owner = await self.redis.hget(SESSION_KEY.format(decoded(session_id)), "owner")
        return decoded(session_id), decoded(owner or b"")

    # The control channel: other workers asking for sessions and room feeds

    async def listen(self) -> None:
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(CONTROL_CHANNEL.format(self.worker))
                    async for message in pubsub.listen():
                        await self.obey(message.get("data"))
            except (RedisError, OSError) as e:
                log.warning("worker %s: control channel lost: %s", self.worker, e)
                await asyncio.sleep(HEARTBEAT_SECONDS)
            except Exception:
                log.exception("worker %s: control channel failed", self.worker)
                await asyncio.sleep(HEARTBEAT_SECONDS)

    async def hand_over(self, session_id: str) -> None:
        """Another worker asks for a session: saved, let go, its sockets told to reconnect. One
        being brought here right now is handed over once it has arrived."""
        bringing = self.finding.get(session_id)
        if bringing is not None:
            await asyncio.wait([bringing])
        session = self.registry.sessions.get(session_id)
        if session is not None and not session.diverged and not checkpointable(session):
            log.info("worker %s: session %s trains on an uploaded table: it stays here", self.worker, session_id)
        elif session is not None:
            await self.let_go(session)
            self.drop(session)
        else:  # named here in the directory without being here (a save raced a drop): freed
            await self.claim_script(keys=[SESSION_KEY.format(session_id)], args=[self.worker, ""])

    async def obey(self, data: object) -> None:
        """One control message; anything malformed is ignored."""
        try:
            message = json.loads(data) if isinstance(data, bytes | str) else None
            if not isinstance(message, dict):
                return
            if message.get("op") == "handover" and isinstance(message.get("session"), str):
                self.spawn(self.hand_over(message["session"]))
            elif message.get("op") == "feed" and isinstance(message.get("room"), str):
                self.relay.resync(message["room"])
            elif (message.get("op") == "followers" and isinstance(message.get("room"), str)
                  and isinstance(message.get("worker"), str) and isinstance(message.get("count"), int)):
                self.relay.counted(message["room"], message["worker"], message["count"])
        except (ValueError, Refused) as e:
            log.info("worker %s: control message ignored: %s", self.worker, e)

    # The proxy's stick table learns who holds what from these headers.

    async def mark_owner(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers[WORKER_HEADER] = self.name  # for operators (and tests): who answered
        parts = request.url.path.split("/")
        if len(parts) > 3 and parts[1] == "api":
            if parts[2] == "sessions" and parts[3] in self.registry.sessions:
                response.headers[SESSION_HEADER] = parts[3]
            elif parts[2] == "rooms" and normalize(parts[3]) in self.rooms.rooms:
                response.headers[ROOM_HEADER] = normalize(parts[3])
        return response
