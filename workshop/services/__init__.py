"""Real servers as local processes: PostgreSQL, Redis, S3, Nginx, app servers, RQ workers.

Start the servers a lab needs, running a tree (the folder holding photoapp/ and deploy/):

    spec = StackSpec.from_manifest(lab.stack)
    with Stack(spec, tree) as stack:
        requests.get(stack.base_url + "/healthz")

Everything runs as child processes on free loopback ports, with data and logs in one scratch
folder under .workshop/run/, and is stopped on exit, on an exception, on Ctrl-C, and (Linux)
when this process dies. `start_detached`, `detached_status` and `stop_detached` keep a stack
running between commands (`workshop services up/status/down`).

Modules: spec (StackSpec), stack (Stack), one per server kind (postgres, redis, s3, nginx,
app, worker) on top of process (ManagedProcess: spawn, readiness, stop), ports, pids,
scratch (per-stack folders, stale cleanup), binaries (finding programs, install hints),
detached, bench (`python -m workshop.services.bench`), sampletree (a stand-in app for tests).
"""

from workshop.services.detached import (
    detached_status,
    start_detached,
    start_server,
    stop_detached,
    stop_server,
)
from workshop.services.errors import ServiceError
from workshop.services.spec import StackSpec
from workshop.services.stack import Stack

__all__ = [
    "ServiceError",
    "Stack",
    "StackSpec",
    "detached_status",
    "start_detached",
    "start_server",
    "stop_detached",
    "stop_server",
]
