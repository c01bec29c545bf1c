"""Lab 02: how Gunicorn serves the photo app.

Run it from the repository with the settings in the environment:

    export PHOTOAPP_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    gunicorn -c deploy/gunicorn.conf.py "photoapp:create_app()"

Gunicorn reads this file once, in the master process, before it forks any worker. It uses each
top-level name that is one of its settings (https://docs.gunicorn.org/en/stable/settings.html)
and calls the functions named after its server hooks, at the end. The numbers come from
PHOTOAPP_* settings, so the same file serves a laptop and a 32-core machine.
"""

import os
import sys

from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker

from photoapp.request_ids import RequestIdMiddleware
from photoapp.settings import SettingsError
from photoapp.settings_check import load_settings

try:
    settings = load_settings()
except SettingsError as error:
    # One line and exit status 1. SystemExit passes through Gunicorn's config loader, which
    # would print a traceback for any other exception; nobody should read one to fix a typo.
    sys.exit(f"photoapp: cannot start: {error}")


def _cores() -> int:
    """The CPU cores this process may use (a container may get fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# --- Where to listen ------------------------------------------------------------------------
# A --bind on the command line wins; the workshop passes its own free port that way.
bind = settings.bind

# --- How many requests at once ----------------------------------------------------------------
# Workers are processes: each has its own Python interpreter and GIL, so N workers use N cores.
# The classic rule is 2 x cores + 1: while one worker waits on the disk or the network, another
# can use the core; the +1 covers a worker that is busy starting or being recycled.
workers = settings.workers or 2 * _cores() + 1
# Threads inside a worker share its GIL, so they do not add CPU; they add waiting capacity. A
# request to this app spends much of its time waiting (SQLite, files, later PostgreSQL and
# Redis), and a waiting thread releases the GIL. gthread = a pool of `threads` per worker.
# A gthread worker accepts connections even while all its threads are busy, so a quick request
# can wait behind a slow upload in the same worker: more threads (4 by default) shorten that.
worker_class = "gthread"
threads = settings.threads

# --- Timeouts ---------------------------------------------------------------------------------
# A worker silent for `timeout` seconds is killed and replaced: a stuck request cannot take a
# worker away for ever. Uploads of 10 MB over a slow link need some of these seconds.
timeout = 30
# On SIGTERM or SIGHUP (graceful restart, e.g. a deploy), workers stop accepting new requests
# and get this long to finish the ones in flight before they are killed.
graceful_timeout = 20
# How long an idle keep-alive connection from a client or a load balancer stays open.
keepalive = 5
# Recycle each worker after about this many requests (the jitter spreads the restarts), so a
# slow memory leak never grows without bound. The master replaces it at once.
max_requests = 2000
max_requests_jitter = 200

# --- Logs ------------------------------------------------------------------------------------
# Both to stderr, where a process manager (systemd, Docker, the workshop) collects them.
accesslog = "-"
errorlog = "-"
loglevel = "info"
# One line per request: who, what, status, bytes, time taken in ms, the request id and the
# server that answered, so one request can be found in the logs of every server it crossed.
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s server=%({x-served-by}o)s'
)
proc_name = f"photoapp-{settings.instance_name}"

# --- One app per worker -----------------------------------------------------------------------
# The app (and every connection it opens) is built in each worker after the fork. Preloading it
# in the master would share sockets, such as a database connection, between processes that
# then talk over each other.
preload_app = False
# Gunicorn 25+ opens a control socket at one fixed path per user; two servers on one machine
# (lab 04 runs several) would fight over it, and we do not use it.
control_socket_disable = True


def post_fork(server: Arbiter, worker: Worker) -> None:
    """Runs in each new worker right after the fork, before the app is built."""
    # The place for anything that must exist once per process: nothing from the master is
    # shared past this point. The app builds its own connections (and, from lab 03, its
    # connection pool) in create_app(), which runs next in this worker; with preload_app = True
    # you would open the pool here instead.
    server.log.info("worker %s forked: it builds its own app and connections", worker.pid)


def post_worker_init(worker: Worker) -> None:
    """Runs in each worker once its app is built: wrap the app so every request gets an id."""
    worker.wsgi = RequestIdMiddleware(worker.wsgi)


def worker_abort(worker: Worker) -> None:
    """Runs in a worker that hit `timeout`, just before it is killed: say which one and why."""
    worker.log.warning("worker %s spent over %s s on a request; replacing it", worker.pid, timeout)
