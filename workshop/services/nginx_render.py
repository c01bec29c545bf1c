"""Render deploy/nginx.conf outside a Stack: python -m workshop.services.nginx_render (compose)."""

from __future__ import annotations

import argparse
from pathlib import Path

from workshop.services.nginx import TEMP_KINDS, render_template, template_context


def main(argv: list[str] | None = None) -> None:
    """Render a template for containers (compose's nginx-config service runs this)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("template", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--listen", default="0.0.0.0:80")
    parser.add_argument("--app", action="append", required=True, help="host:port, repeatable")
    parser.add_argument("--media-dir", type=Path, default=Path("/media"))
    parser.add_argument("--static-dir", type=Path, default=Path("/app/photoapp/web/static"))
    parser.add_argument("--max-body-size", default="10m")
    parser.add_argument("--prefix", type=Path, default=Path("/tmp/nginx"))
    args = parser.parse_args(argv)
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
