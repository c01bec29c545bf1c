"""A tiny stand-in tree (photoapp with /healthz, an RQ job, deploy/ files) to exercise stacks."""

from __future__ import annotations

from pathlib import Path

APP = '''\
"""A stand-in photoapp: just enough to prove the servers around it work."""

import os
import time

from flask import Flask, jsonify, request


def create_app(settings=None):
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():
        return jsonify(ok=True, instance=os.environ.get("PHOTOAPP_INSTANCE_NAME", "?"))

    @app.get("/env")
    def env():
        return jsonify({k: v for k, v in os.environ.items() if k.startswith("PHOTOAPP_")})

    @app.get("/burn")
    def burn():
        # Busy for ?ms= milliseconds of this thread's CPU: a request that costs CPU, not time.
        end = time.thread_time() + int(request.args.get("ms", "20")) / 1000
        while time.thread_time() < end:
            pass
        return jsonify(pid=os.getpid())

    return app
'''

JOBS = '''\
"""Jobs for the RQ worker test."""

import os
from pathlib import Path


def write_marker(path, text):
    Path(path).write_text(text + " from " + os.environ.get("PHOTOAPP_INSTANCE_NAME", "?"))
    return text
'''

NGINX = """\
{{ user_directive }}
worker_processes 1;
pid {{ pid_file }};
events { worker_connections 256; }
http {
    {{ temp_paths | indent(4) }}
    access_log {{ log_dir }}/access.log;
    client_max_body_size {{ max_body_size }};
    upstream photoapp {
{%- for server in app_servers %}
        server {{ server }} max_fails=1 fail_timeout=5s;
{%- endfor %}
    }
    server {
        listen {{ listen }};
        location /static/ { alias {{ static_dir }}/; }
        location /media/ { alias {{ media_dir }}/; }
        location / {
            proxy_pass http://photoapp;
            proxy_next_upstream error timeout http_502;
            proxy_set_header Host $host;
        }
    }
}
"""

GUNICORN = """\
workers = 1
threads = 4
worker_class = "gthread"
graceful_timeout = 5
"""


def write_sample_tree(root: Path) -> Path:
    """Write the stand-in tree under `root` and return `root`."""
    files = {
        "photoapp/__init__.py": APP,
        "photoapp/jobs.py": JOBS,
        "photoapp/web/static/hello.txt": "hello from static\n",
        "deploy/nginx.conf": NGINX,
        "deploy/gunicorn.conf.py": GUNICORN,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
