#!/usr/bin/env python3
"""The Python example worker: handles the five example task types (clients/EXAMPLES.md) until told to stop."""
import argparse
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from taskmanager_client import TaskManagerWorker  # noqa: E402
from taskmanager_client.handlers import register_example_handlers  # noqa: E402
from taskmanager_client.tls import add_tls_arguments, tls_from_arguments  # noqa: E402
from taskmanager_client.worker import DEFAULT_TYPE_PATTERN, default_worker_id  # noqa: E402


def type_ids(text):
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not ids or any(i <= 0 for i in ids):
        raise argparse.ArgumentTypeError(f"expected positive type ids, got {text!r}")
    return ids


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="TaskManager worker for the example task types.")
    parser.add_argument("--server", default=os.environ.get("TASKMANAGER_SERVER", "127.0.0.1:7411"),
                        help="HOST:PORT of the server (env TASKMANAGER_SERVER; default 127.0.0.1:7411)")
    parser.add_argument("--api-key", default=os.environ.get("TASKMANAGER_API_KEY"),
                        help="sent as metadata x-api-key (env TASKMANAGER_API_KEY)")
    parser.add_argument("--worker-id", default=default_worker_id(),
                        help="default python-worker-<hostname>-<pid>")
    parser.add_argument("--type-pattern", default=DEFAULT_TYPE_PATTERN,
                        help='SQL LIKE on the type name (default "example.%%")')
    parser.add_argument("--task-type-ids", type=type_ids, metavar="1,2,3",
                        help="claim these type ids, in turn, instead of the pattern")
    parser.add_argument("--poll-interval", type=float, default=10.0, metavar="SECONDS",
                        help="sleep when there is nothing to claim and claims do not wait (default 10)")
    parser.add_argument("--wait-ms", type=int, default=20000, metavar="MS",
                        help="how long a claim waits on the server for a task (long poll; default 20000)")
    parser.add_argument("--concurrency", type=int, default=1, metavar="N", help="tasks run at once (default 1)")
    parser.add_argument("--max-runs", type=int, default=0, metavar="N",
                        help="stop after handling N tasks; 0 = no limit (default)")
    parser.add_argument("--stop-when-idle", action="store_true", help="exit as soon as a claim finds nothing")
    parser.add_argument("--no-register", action="store_true",
                        help="do not register the example task types at start")
    add_tls_arguments(parser)
    options = parser.parse_args(argv)
    if options.poll_interval < 0:
        parser.error("--poll-interval must not be negative")
    if options.max_runs < 0:
        parser.error("--max-runs must not be negative")
    if not 0 <= options.wait_ms <= 30000:
        parser.error("--wait-ms must be between 0 and 30000")
    if options.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    options.tls_options = tls_from_arguments(parser, options)
    return options


def main(argv=None):
    options = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    worker = TaskManagerWorker(
        options.server, options.worker_id, task_type_ids=options.task_type_ids, type_pattern=options.type_pattern,
        poll_interval=options.poll_interval, max_runs=options.max_runs, api_key=options.api_key or None,
        stop_when_idle=options.stop_when_idle, register_examples=not options.no_register,
        concurrency=options.concurrency, wait_ms=options.wait_ms, tls=options.tls_options)
    register_example_handlers(worker)
    return worker.run()


if __name__ == "__main__":
    sys.exit(main())
