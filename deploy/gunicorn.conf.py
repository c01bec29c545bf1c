"""Lab 02: how Gunicorn serves the photo app.

Your task is in labs/02-real-serving/README.md, section "Step 2: the Gunicorn config".
Gunicorn runs this file once, in its master process, before it forks any worker:

    gunicorn -c deploy/gunicorn.conf.py "photoapp:create_app()"

TODO, each explained in the guide:
  - settings = load_settings() from photoapp.settings_check; a SettingsError becomes one
    line and exit status 1 (sys.exit with the message), never a traceback
  - bind, workers (0 means 2 x cores + 1), worker_class and threads from the settings
  - timeout, graceful_timeout, keepalive, max_requests with jitter
  - accesslog and errorlog to stderr, access_log_format with the time taken and the request id
  - preload_app = False, control_socket_disable = True
  - hooks: post_fork (per-process resources), post_worker_init (wrap the app in
    RequestIdMiddleware from photoapp.request_ids)
"""

raise NotImplementedError(
    "Lab 02: write deploy/gunicorn.conf.py (see labs/02-real-serving/README.md)"
)
