"""Render deploy/nginx.conf outside a Stack: python -m workshop.services.nginx_render.

By default it fills in what a local stack would (listen on 127.0.0.1:8080, this repository's
static folder, instance/media, logs and temporary files next to the output file), so that
`nginx -t -p <output folder>/ -e <output folder>/logs/error.log -c <output>` checks the result
as any user. compose/ passes the containers' values instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from workshop.services.nginx import TEMP_KINDS, render_template, template_context

STATIC = Path(__file__).resolve().parents[2] / "photoapp" / "web" / "static"


def main(argv: list[str] | None = None) -> None:
    """Render a template to a file, with a local stack's values unless told otherwise."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("template", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--listen", default="127.0.0.1:8080")
    parser.add_argument("--app", action="append", required=True, help="host:port, repeatable")
    parser.add_argument("--media-dir", type=Path, default=Path("instance/media").resolve())
    parser.add_argument("--static-dir", type=Path, default=STATIC)
    parser.add_argument("--max-body-size", default="10m")
    parser.add_argument("--prefix", type=Path, help="logs, temp files (default: output's folder)")
    args = parser.parse_args(argv)
    args.prefix = (args.prefix or args.output.parent).resolve()
    context = template_context(
        listen=args.listen,
        app_servers=args.app,
        media_dir=args.media_dir,
        static_dir=args.static_dir,
        max_body_size=args.max_body_size,
        prefix=args.prefix,
        pid_file=args.prefix / "nginx.pid",
    )
    for sub in ("logs", "temp", *(f"temp/{kind}" for kind in TEMP_KINDS)):
        (args.prefix / sub).mkdir(parents=True, exist_ok=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render_template(args.template, context))
    print(f"rendered {args.template} -> {args.output}")


if __name__ == "__main__":
    main()
