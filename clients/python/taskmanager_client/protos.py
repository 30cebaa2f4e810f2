"""The generated protobuf modules, found in <repo>/Generated/python when they are not importable already."""
import os
import sys

try:
    from taskmanager.rpc.v1 import rpc_pb2
    from taskmanager.v1 import task_service_pb2
except ImportError:
    # The package lives at <repo>/clients/python/taskmanager_client; the generated code is committed, not installed.
    _GENERATED = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                               "Generated", "python"))
    if _GENERATED not in sys.path:
        sys.path.insert(0, _GENERATED)
    from taskmanager.rpc.v1 import rpc_pb2
    from taskmanager.v1 import task_service_pb2

__all__ = ["rpc_pb2", "task_service_pb2"]
