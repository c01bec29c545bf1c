"""An S3 endpoint: MinIO when its binary is installed, else moto's standalone server."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import ClassVar

from workshop.services.binaries import optional
from workshop.services.ports import HOST, free_port, port_answers
from workshop.services.process import ManagedProcess

BUCKET = "photoapp"
ACCESS_KEY = "workshop"
SECRET_KEY = "workshop-secret"  # MinIO wants at least 8 characters
REGION = "us-east-1"

# Talk to loopback servers directly, whatever http_proxy says.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_status(url: str, timeout: float = 1.0) -> int:
    """GET a URL and return its status code (error statuses included)."""
    try:
        with _opener.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return int(error.code)


def s3_client(endpoint: str, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY):  # type: ignore[no-untyped-def]
    """A boto3 S3 client for a loopback endpoint (path-style addressing)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
    )


class S3Server(ManagedProcess):
    """An S3 server with the `photoapp` bucket; `kind` says which implementation runs."""

    role: ClassVar[str] = "s3"
    ready_timeout: ClassVar[float] = 60.0

    def __init__(self, name: str, scratch: Path, *, detached: bool = False) -> None:
        super().__init__(name, scratch, detached=detached)
        self.minio = optional("minio")
        self.kind = "minio" if self.minio else "moto"
        # moto accepts any signature and ignores presigned-URL expiry; tests of those need MinIO.
        self.verifies_signatures = self.kind == "minio"
        self.access_key = ACCESS_KEY
        self.secret_key = SECRET_KEY
        self.bucket = BUCKET
        self.region = REGION

    def command(self) -> list[str]:
        """minio server or python -m moto.server, on loopback."""
        if self.minio:
            # The console is off (MINIO_BROWSER, see environment); should a version still bind
            # its port, give it a free loopback one rather than a random public one.
            console = f"{HOST}:{free_port()}"
            return [
                self.minio, "server", str(self.folder / "data"),
                "--console-address", console, "--address", self.address,
            ]  # fmt: skip
        return [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)]

    def environment(self) -> dict[str, str]:
        """MinIO's root credentials (moto accepts any)."""
        env = dict(os.environ)
        env.update(
            MINIO_ROOT_USER=self.access_key,
            MINIO_ROOT_PASSWORD=self.secret_key,
            MINIO_BROWSER="off",
        )
        return env

    def check_ready(self) -> bool:
        """Ready when the HTTP API answers (MinIO: its liveness probe)."""
        if not port_answers(self.port):
            return False
        path = "/minio/health/live" if self.minio else "/"
        return http_status(self.url + path) == 200

    def client(self):  # type: ignore[no-untyped-def]
        """A boto3 client for this server."""
        return s3_client(self.url, self.access_key, self.secret_key)

    def after_ready(self) -> None:
        """Create the photoapp bucket."""
        self.create_bucket(self.bucket)

    def create_bucket(self, name: str) -> None:
        """Create a bucket unless it exists."""
        client = self.client()
        try:
            existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
            if name not in existing:
                client.create_bucket(Bucket=name)
        finally:
            client.close()
