"""Lab 02 scenario: lab 01's people on a busy evening, against each app server in turn.

`workshop load 2` runs this file twice, back to back, on two fresh stacks that differ only in
the app server: Flask's development server, then Gunicorn as deploy/gunicorn.conf.py sets it up
([[lab.load.compare]] in labs/labs.toml). The mix of actions is lab 01's, so the figures line
up with the baseline; only the think time is gone, so the server, not the users, sets the
pace, and the difference between one process and several shows.
"""

from __future__ import annotations

from locust import constant

# Imported as a module, not `from ... import PhotoBrowser`: Locust runs every user class it
# finds in this file's namespace, and lab 01's class must not run next to ours.
from loadtests import lab01_single_box


class BusyPhotoBrowser(lab01_single_box.PhotoBrowser):
    """Lab 01's user with no time between actions: each always waits on the server.

    A throughput comparison needs a server at its limit. With think time, twenty people ask
    for only so much, and both servers serve it: the ratio would measure the people's pace.
    """

    wait_time = constant(0)
