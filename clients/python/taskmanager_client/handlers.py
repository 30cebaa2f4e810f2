"""The five example task types of clients/EXAMPLES.md: their schemas and their handlers.

A handler is called as handler(task, worker) with the claimed Task message and the TaskManagerWorker, and
returns the result (a JSON-serialisable value); raising fails the task with the exception's message.
"""
import json

# Mirrors clients/examples/task_types.json (a test keeps the two equal).
EXAMPLE_TASK_TYPES = [
    {"name": "example.echo", "version": "1.0.0",
     "param_schema": {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]}},
    {"name": "example.uppercase", "version": "1.0.0",
     "param_schema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}},
    {"name": "example.math.add", "version": "1.0.0",
     "param_schema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                      "required": ["a", "b"]}},
    {"name": "example.sleep", "version": "1.0.0",
     "param_schema": {"type": "object",
                      "properties": {"seconds": {"type": "number", "minimum": 0, "maximum": 60},
                                     "steps": {"type": "integer", "minimum": 1, "maximum": 100}},
                      "required": ["seconds"]}},
    {"name": "example.error", "version": "1.0.0",
     "param_schema": {"type": "object", "properties": {"message": {"type": "string"}}}},
]

_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


class ExampleError(Exception):
    """The failure that example.error asks for."""


def task_params(task):
    """The parameters of a Task message as a dict."""
    return json.loads(task.params_json) if task.params_json else {}


def _number(params, name):
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"Parameter {name} must be a number")
    return value


def _string(params, name):
    value = params.get(name)
    if not isinstance(value, str):
        raise ValueError(f"Parameter {name} must be a string")
    return value


def echo(task, worker):
    """example.echo: {"echoed": message}."""
    return {"echoed": _string(task_params(task), "message")}


def uppercase(task, worker):
    """example.uppercase: {"result": text with ASCII a-z made A-Z}; other characters are kept as they are."""
    return {"result": _string(task_params(task), "text").translate(_ASCII_UPPER)}


def math_add(task, worker):
    """example.math.add: {"sum": a + b}."""
    params = task_params(task)
    return {"sum": _number(params, "a") + _number(params, "b")}


def sleep(task, worker):
    """example.sleep: sleeps `seconds` in `steps` equal steps, reporting "Step i/steps" after each."""
    params = task_params(task)
    seconds = _number(params, "seconds")
    steps = params.get("steps", 4)
    if not 0 <= seconds <= 60:
        raise ValueError("Parameter seconds must be between 0 and 60")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 100:
        raise ValueError("Parameter steps must be an integer between 1 and 100")
    for step in range(1, steps + 1):
        worker.sleep(task.id, seconds / steps)  # raises TaskStopped when the task is cancelled or lost
        worker.update_progress(task.id, step * 100 // steps, f"Step {step}/{steps}")
    return {"slept": seconds, "steps": steps}


def error(task, worker):
    """example.error: always fails with "Example error: <message>"."""
    message = task_params(task).get("message", "requested failure")
    raise ExampleError(f"Example error: {message}")


EXAMPLE_HANDLERS = {
    "example.echo": echo,
    "example.uppercase": uppercase,
    "example.math.add": math_add,
    "example.sleep": sleep,
    "example.error": error,
}


def register_example_handlers(worker):
    """Registers the five example handlers with a TaskManagerWorker."""
    for type_name, handler in EXAMPLE_HANDLERS.items():
        worker.register(type_name, handler)
