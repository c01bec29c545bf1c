"""Real servers as local processes: PostgreSQL, Redis, S3, Nginx, app servers, RQ workers.

with Stack(StackSpec(postgres=1, redis=True), tree=Path(".")) as stack:
    print(stack.base_url, stack.env["PHOTOAPP_DATABASE_URL"])
"""

from workshop.services.detached import detached_status, start_detached, stop_detached
from workshop.services.errors import ServiceError
from workshop.services.spec import StackSpec
from workshop.services.stack import Stack

__all__ = [
    "ServiceError",
    "Stack",
    "StackSpec",
    "detached_status",
    "start_detached",
    "stop_detached",
]
