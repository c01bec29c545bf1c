"""Lab 04 scenario: lab 01's people, through Nginx, while we watch which app server answers.

`workshop load 4` runs this file three times, back to back, each on a fresh stack
([[lab.load.compare]] in labs/labs.toml): Nginx over one app server, Nginx over two, and two
again with app1 killed with SIGKILL a third of the way in and restarted at half time (the chaos
run). The people are lab 01's, with lab 02's shorter think time so the servers, not the users,
set the pace.

Next to them runs one SpreadWatcher: it asks GET /healthz four times a second and files each
answer under the app server that gave it, "GET /healthz [app1]". Those rows show the spread
over the servers, and in the chaos run whether app1 got its share back after its restart.
"""

from __future__ import annotations

from locust import HttpUser, constant, task

# Imported as modules, not `from ... import PhotoBrowser`: Locust runs every user class it
# finds in this file's namespace, and lab 01's and lab 02's classes must not run beside ours.
from loadtests import lab02_real_serving

NO_SERVER = "no app server"  # Nginx answered by itself: an error before any app server did


class BalancedPhotoBrowser(lab02_real_serving.BusyPhotoBrowser):
    """Lab 01's mix of actions at lab 02's pace: the same traffic, now through Nginx."""


class SpreadWatcher(HttpUser):
    """One watcher that records which app server answers each of its health checks."""

    fixed_count = 1  # exactly one, whatever the number of users
    wait_time = constant(0.25)

    @task
    def which_server(self) -> None:
        """GET /healthz and file the request under the app server that answered it."""
        with self.client.get("/healthz", name="/healthz", catch_response=True) as response:
            served_by = response.headers.get("X-Served-By") or NO_SERVER
            # Locust reports the request under request_meta["name"] when the block ends.
            response.request_meta["name"] = f"/healthz [{served_by}]"
            if response.status_code != 200:
                response.failure(f"{response.status_code} from {served_by}")
