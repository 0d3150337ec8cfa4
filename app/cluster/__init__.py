"""Worker mode: several processes (on one machine or many) behind HAProxy, sharing a session
directory, checkpoints and room fan-out through Redis.

Nothing here is imported unless BPP_REDIS_URL and BPP_WORKER_ID are set; the README's start
command stays one process with everything in memory. The pieces:

- ``checkpoints``: a session (and its room) as the fields of a Redis hash, and back;
- ``worker``: the worker's heartbeat, its checkpoint loop, finding a session it does not hold
  (restored from the checkpoint of a dead owner, or handed over by a live one);
- ``relay``: a room's messages and frames published once by the teacher's worker and relayed by
  every worker that has followers of it;
- ``proxy``: HAProxy's config from deploy/haproxy.cfg with this machine's ports;
- ``launch``: redis-server, the workers and HAProxy as child processes, started and stopped
  together (the launcher's, the tests' and the benchmark's);
- ``__main__``: ``python -m app.cluster --workers 2``, that topology until Ctrl-C.
"""
