"""A session as a checkpoint and back (app/cluster/checkpoints.py), and HAProxy's config for a
machine (app/cluster/proxy.py); no Redis needed."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from app.cluster.checkpoints import checkpointable, read_checkpoint, session_fields
from app.cluster.proxy import config as proxy_config
from app.config import Limits, SessionConfig
from app.rooms import Room
from app.sessions import Session

LIMITS = Limits()


def trained(steps: int = 37) -> Session:
    config = SessionConfig.model_validate({"training": {"optimizer": "adam", "batch_size": 10}})
    session = Session("sid", config, 0.0)
    session.train(steps)
    session.record_history()
    session.name = "Blue Heron"
    session.set_speed(250)
    return session


def test_a_checkpoint_continues_the_run_bit_identically():
    original = trained()
    room = Room(code="BCDFGH", session_id="sid", teacher_token="t" * 32, joining_locked=True,
                forks={"f1", "f2"}, projected="f1")
    fields = session_fields(original, "worker1", room)
    assert all(isinstance(value, str) for value in fields.values())  # as Redis keeps them
    checkpoint = read_checkpoint("sid", fields, LIMITS)
    assert checkpoint is not None and fields["owner"] == "worker1"
    restored = checkpoint.session(5.0)
    assert restored.token == original.token and restored.id == "sid"
    assert (restored.name, restored.steps_per_second, restored.running) == ("Blue Heron", 250, False)
    assert restored.trainer.step_count == original.trainer.step_count == 37
    assert restored.trainer.history.rows == original.trainer.history.rows
    original.train(25)
    restored.train(25)
    np.testing.assert_array_equal(restored.trainer.network.params, original.trainer.network.params)
    assert checkpoint.room is not None
    assert (checkpoint.room.code, checkpoint.room.teacher_token, checkpoint.room.joining_locked,
            checkpoint.room.forks, checkpoint.room.projected) == ("BCDFGH", "t" * 32, True, {"f1", "f2"}, "f1")


def test_a_running_session_comes_back_running():
    session = trained()
    session.set_running(True)
    checkpoint = read_checkpoint("sid", session_fields(session, "w", None), LIMITS)
    assert checkpoint is not None and checkpoint.session(0.0).running and checkpoint.room is None


@pytest.mark.parametrize("damage", [
    lambda f: f.pop("token"),
    lambda f: f.update(model="{not json"),
    lambda f: f.update(model=json.dumps({**json.loads(f["model"]), "params": [1.0]})),
    lambda f: f.update(model=json.dumps({**json.loads(f["model"]), "sizes": [2, 99, 1]})),
    lambda f: f.update(speed="fast"),
    lambda f: f.update(room='{"code": 1}'),
    lambda f: f.update(room="[]"),
])
def test_a_damaged_checkpoint_is_refused_not_trusted(damage):
    fields = session_fields(trained(), "w", None)
    damage(fields)
    assert read_checkpoint("sid", fields, LIMITS) is None


def test_a_checkpoint_over_this_worker_s_limits_is_refused():
    fields = session_fields(trained(), "w", None)
    assert read_checkpoint("sid", fields, Limits(max_neurons_per_layer=1)) is None


def test_a_diverged_run_is_not_checkpointed():
    session = trained()
    assert checkpointable(session)
    session.trainer.network.params[:] = np.nan
    session.trainer.train(1)
    assert session.diverged and not checkpointable(session)


def test_the_proxy_config_names_this_machine_s_workers():
    text = proxy_config("127.0.0.1:9000", [("w1", "127.0.0.1:9001"), ("w2", "127.0.0.1:9002")])
    assert "    bind 127.0.0.1:9000\n" in text
    servers = [line.split()[1:] for line in text.splitlines() if line.split()[:1] == ["server"]]
    assert servers == [["w1", "127.0.0.1:9001"], ["w2", "127.0.0.1:9002"]]
    assert "stick store-response res.hdr(X-Bpp-Session)" in text and "option redispatch" in text


def test_haproxy_accepts_the_config(tmp_path):
    if shutil.which("haproxy") is None:
        message = "needs haproxy (apt-get install -y haproxy)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    path = tmp_path / "haproxy.cfg"
    path.write_text(proxy_config("127.0.0.1:9000", [("w1", "127.0.0.1:9001")]))
    checked = subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


def test_the_one_process_server_never_imports_redis():
    """README's start command: no Redis, no redis-py, unless both worker settings are set."""
    script = ("import sys; from app.main import create_app; from app.settings import Settings; "
              "app = create_app(Settings.from_env({'BPP_REDIS_URL': 'redis://127.0.0.1:1/0'})); "
              "assert app.state.cluster is None; assert 'redis' not in sys.modules, 'redis imported'")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "BPP_KERNEL": "numpy"})
    assert done.returncode == 0, done.stderr


def test_worker_mode_needs_both_settings():
    from app.settings import Settings

    assert not Settings.from_env({}).clustered
    assert not Settings.from_env({"BPP_WORKER_ID": "w1"}).clustered
    worker = Settings.from_env({"BPP_REDIS_URL": "redis://r:6379/0", "BPP_WORKER_ID": "w1",
                                "BPP_CHECKPOINT_SECONDS": "1.5"})
    assert worker.clustered and worker.checkpoint_seconds == 1.5


def test_a_background_loop_logs_a_failure_and_carries_on(caplog):
    """A bug in one round (not only Redis being away) is logged; the loop keeps going."""
    import asyncio

    from fastapi import FastAPI

    pytest.importorskip("redis")
    from app.cluster.worker import Cluster
    from app.settings import Settings

    rounds: list[int] = []

    async def flaky() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise KeyError("a bug")

    async def main() -> None:
        cluster = Cluster(FastAPI(), Settings(redis_url="redis://127.0.0.1:1/0", worker_id="w1"))
        loop = asyncio.create_task(cluster.repeat(flaky, 0.0))
        while len(rounds) < 3 and not loop.done():
            await asyncio.sleep(0.01)
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
        await cluster.redis.aclose()

    asyncio.run(main())
    assert rounds[:3] == [0, 1, 2]
    assert any("flaky failed" in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_room_feed_trains_its_session_through_the_scheduler():
    """The feed as a room's first watcher: its training loop is paid for like a page's."""
    import asyncio
    import contextlib
    from types import SimpleNamespace

    pytest.importorskip("redis")
    from app.cluster.relay import Feed
    from app.scheduler import Account

    accounts: list[object] = []

    class Loops:
        @contextlib.asynccontextmanager
        async def watching(self, session, account=None):
            accounts.append(account)
            yield

    async def main() -> None:
        state = SimpleNamespace(training_loops=Loops(), scheduler=object())
        async def publish(channel: str, payload: bytes) -> None:
            pass

        cluster = SimpleNamespace(app=SimpleNamespace(state=state), settings=SimpleNamespace(limits=LIMITS),
                                  redis=SimpleNamespace(publish=publish))
        feed = Feed(cluster, "BCDFGH", trained())  # type: ignore[arg-type]
        while not accounts:
            await asyncio.sleep(0.01)
        await feed.stop()

    asyncio.run(main())
    assert len(accounts) == 1 and isinstance(accounts[0], Account)


def test_a_checkpoint_without_a_run_restores_nothing():
    """An uploaded table's session is in the directory without its run: never restored."""
    fields = {**session_fields(trained(), "w", None), "model": ""}
    assert read_checkpoint("sid", fields, LIMITS) is None


def test_a_snapshot_keeps_the_run_as_it_was_when_taken():
    """Taken on the event loop, encoded later in a thread while training goes on."""
    from app.cluster.checkpoints import snapshot

    session = trained()
    taken = snapshot(session, "w", None)
    params = session.trainer.network.params.copy()
    session.train(5)
    checkpoint = read_checkpoint("sid", taken.encode(), LIMITS)
    assert checkpoint is not None
    restored = checkpoint.session(0.0)
    assert restored.trainer.step_count == 37
    np.testing.assert_array_equal(restored.trainer.network.params, params)


def test_a_relayed_history_passes_on_the_owner_s_own_messages_past_its_row_limit(monkeypatch):
    import asyncio
    from types import SimpleNamespace

    pytest.importorskip("redis")
    from app.cluster import relay

    monkeypatch.setattr(relay, "MAX_ROWS", 5)

    def history(rows: list, append: bool) -> str:
        return json.dumps({"type": "history", "rows": rows, "append": append}, separators=(",", ":"))

    async def main() -> None:
        def unreachable(**_: object) -> None:
            raise OSError("no redis here")

        cluster = SimpleNamespace(redis=SimpleNamespace(pubsub=unreachable), relay=SimpleNamespace(remotes={}))
        remote = relay.RemoteRoom(cluster, "BCDFGH", "sid", "w:1")  # type: ignore[arg-type]
        await asyncio.wait([remote.task])
        whole = history([[1, 0.5, None], [2, 0.4, None]], False)
        remote.take(b"T" + whole.encode())
        assert remote.full_history() == whole  # the owner's text, not a copy of it
        appends = [history([[step, 0.1, None]], True) for step in range(3, 12)]
        for text in appends:
            remote.take(b"T" + text.encode())
        assert remote.total_rows == 11 and len(remote.rows) == 5
        # A follower that has 10 rows gets the 11th as the owner sent it, past the row limit.
        assert remote.appended_since(10) == appends[-1:]
        assert remote.appended_since(2) == appends
        assert remote.appended_since(0) is None  # before what is kept: the whole history instead
        assert [row[0] for row in json.loads(remote.full_history())["rows"]] == [7, 8, 9, 10, 11]

    asyncio.run(main())


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_a_checkpoint_interval_that_is_not_above_zero_is_refused_at_start(value):
    from app.settings import Settings

    with pytest.raises(ValueError, match="BPP_CHECKPOINT_SECONDS must be a number of seconds above 0"):
        Settings.from_env({"BPP_REDIS_URL": "redis://r:6379/0", "BPP_WORKER_ID": "w1",
                           "BPP_CHECKPOINT_SECONDS": value})
    done = subprocess.run([sys.executable, "-m", "app.cluster"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "BPP_CHECKPOINT_SECONDS": value})
    assert done.returncode != 0 and "BPP_CHECKPOINT_SECONDS must be" in done.stderr, done.stderr
