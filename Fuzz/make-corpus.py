#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into Fuzz/Corpus/<target>/ (committed; rerun after a proto change).

Seeds are valid inputs, so that the fuzzers start from the interesting paths instead of finding the syntax by chance:
frames of real envelopes, every TaskService message (empty and with every field set), and JSON texts and schemas.
Run with the system python3 (python3-protobuf, installed by scripts/setup).
"""
import hashlib
import json
import os
import re
import shutil
import struct
import sys

FUZZ = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(FUZZ, "..", "Generated", "python"))
from taskmanager.rpc.v1 import rpc_pb2  # noqa: E402
from taskmanager.v1 import task_service_pb2 as ts  # noqa: E402
from google.protobuf.descriptor import FieldDescriptor as FD  # noqa: E402

METHOD = "/taskmanager.v1.TaskService/"


def filled(message_class, depth=0):
    """A message with every field set to a plausible value (repeated fields twice, nested messages filled)."""
    message = message_class()
    for field in message_class.DESCRIPTOR.fields:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            getattr(message, field.name).update({"x-api-key": "secret", "k": "v"})
            continue
        count = 2 if field.label == FD.LABEL_REPEATED else 1
        for index in range(count):
            if field.type == FD.TYPE_MESSAGE:
                if depth > 2:
                    break
                value = filled(field.message_type._concrete_class, depth + 1)
                if field.label == FD.LABEL_REPEATED:
                    getattr(message, field.name).add().CopyFrom(value)
                else:
                    getattr(message, field.name).CopyFrom(value)
                continue
            value = scalar(field, index)
            if field.label == FD.LABEL_REPEATED:
                getattr(message, field.name).append(value)
            else:
                setattr(message, field.name, value)
    return message


def scalar(field, index):
    if field.type == FD.TYPE_STRING:
        if field.name.endswith("_json"):
            return json.dumps({"message": "hello", "n": index + 1})
        if field.name.endswith("pattern"):
            return "example.%"
        return ["example.echo", "wörker-1"][index % 2]
    if field.type == FD.TYPE_BYTES:
        return b"\x08\x2a"
    if field.type == FD.TYPE_BOOL:
        return True
    if field.type == FD.TYPE_ENUM:
        return field.enum_type.values[-1].number
    if field.type in (FD.TYPE_DOUBLE, FD.TYPE_FLOAT):
        return 0.75
    if field.type in (FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32, FD.TYPE_INT64, FD.TYPE_SINT64, FD.TYPE_SFIXED64):
        return [42, -3][index % 2]
    return [42, 1_764_000_000_123][index % 2]


def realistic():
    """A few messages as real clients send them, keyed by message name."""
    return {
        "CreateTaskRequest": [ts.CreateTaskRequest(type="example.echo", params_json='{"message":"hi"}', priority=5,
                                                   max_attempts=3, dedupe_key="order-17")],
        "RegisterTaskTypeRequest": [ts.RegisterTaskTypeRequest(
            name="example.sleep", version="1.0.0",
            param_schema_json='{"type":"object","properties":{"seconds":{"type":"number"}}}')],
        "ClaimTaskRequest": [ts.ClaimTaskRequest(worker_id="w1", type_pattern="example.%")],
        "UpdateProgressRequest": [ts.UpdateProgressRequest(id=1, worker_id="w1", progress=50, message="Step 1/2")],
        "CompleteTaskRequest": [ts.CompleteTaskRequest(id=1, worker_id="w1", result_json='{"echoed":"hello"}')],
    }


def message_order():
    """The message types in the order fuzz-messages numbers them (its first input byte)."""
    source = open(os.path.join(FUZZ, "Sources", "fuzz-messages", "FuzzMessages.swift")).read()
    return re.findall(r"Entry\((\w+)\.self\)", source)


def frame(body):
    return struct.pack(">I", len(body)) + body


def client_frames():
    frames = {}
    payload = ts.GetTaskRequest(id=42).SerializeToString()
    request = rpc_pb2.Request(call_id=1, method=METHOD + "GetTask", payload=payload, timeout_ms=10_000)
    request.metadata["x-api-key"] = "secret"
    frames["request"] = rpc_pb2.ClientFrame(request=request)
    for name, message in [("Health", ts.HealthRequest()), ("CreateTask", realistic()["CreateTaskRequest"][0]),
                          ("ClaimTask", realistic()["ClaimTaskRequest"][0])]:
        frames["request-" + name] = rpc_pb2.ClientFrame(request=rpc_pb2.Request(
            call_id=7, method=METHOD + name, payload=message.SerializeToString()))
    frames["cancel"] = rpc_pb2.ClientFrame(cancel=rpc_pb2.Cancel(call_id=1))
    frames["ping"] = rpc_pb2.ClientFrame(ping=rpc_pb2.Ping(nonce=2**64 - 1))
    frames["empty"] = rpc_pb2.ClientFrame()
    return {name: value.SerializeToString() for name, value in frames.items()}


def server_frames():
    task = filled(ts.Task).SerializeToString()
    frames = {
        "response": rpc_pb2.ServerFrame(response=rpc_pb2.Response(call_id=1, payload=task, end_of_stream=True)),
        "response-error": rpc_pb2.ServerFrame(response=rpc_pb2.Response(
            call_id=1, status=rpc_pb2.Status(code=5, message="Task not found"), end_of_stream=True)),
        "pong": rpc_pb2.ServerFrame(pong=rpc_pb2.Pong(nonce=9)),
        "go-away": rpc_pb2.ServerFrame(go_away=rpc_pb2.GoAway(last_call_id=12, reason="Server shutting down")),
    }
    return {name: value.SerializeToString() for name, value in frames.items()}


def hostile_envelopes():
    """Frames the server refuses: strings with a NUL byte or invalid UTF-8, and a truncated frame."""
    def request(method):
        inner = b"\x08\x05" + b"\x12" + bytes([len(method)]) + method
        return b"\x0a" + bytes([len(inner)]) + inner
    return {
        "nul-in-method": request(b"/taskmanager.v1.TaskService/Health\x00junk"),
        "bad-utf8-in-method": request(b"/taskmanager.v1.TaskService/\xff\xfe"),
        "truncated": client_frames()["request"][:-3],
    }


JSON_TEXTS = [
    'null', 'true', 'false', '0', '-0', '5', '5.0', '5e0', '-1.5E-7', '1e308', '9223372036854775807',
    '-9223372036854775808', '9223372036854775808', '123456789012345678901234567890', '""', '"plain"',
    r'"\"\\\/\b\f\n\r\t"', r'"\u00e9\u4e2d\ud83d\ude00"', '"ünïcode ✓ 😀"', '[]', '{}', '[1,[2,[3,[4]]]]',
    '{"message":"hello"}', '{"a":1,"a":2}', '{"seconds":3,"steps":10}', ' \t\r\n[ 1 , 2 ] \n',
    '{"nested":{"list":[{"k":null},{"k":[true,false]}],"n":-0.0}}', '[' * 40 + ']' * 40,
    # The same key in two Unicode normalizations (precomposed, decomposed, escaped), in objects of their own.
    '{"caf\u00e9":1}', '{"cafe\u0301":2}', r'{"cafe\u0301":3,"Å":[]}',
    # ... and in one object, which the parser refuses (a regression seed: it once merged them).
    '{"caf\u00e9":1,"cafe\u0301":2}',
]

SCHEMAS = [json.dumps(entry["param_schema"]) for entry in
           json.load(open(os.path.join(FUZZ, "..", "clients", "examples", "task_types.json")))] + [
    '{"type":"object","additionalProperties":false,"properties":{"id":{"type":"integer","minimum":1}}}',
    '{"type":"array","items":{"type":"string","minLength":1,"maxLength":8,"pattern":"^[a-z]+$"},"minItems":1,'
    '"maxItems":3}',
    '{"type":["string","null"],"enum":["a","b",null]}',
    '{"type":"number","minimum":-1.5,"maximum":1e10}',
    '{"type":"object","required":["a","b"],"properties":{"a":{"enum":[1,2.0,[1],{"x":1}]}}}',
]

DOCUMENTS = ['{"message":"hello"}', '{"text":"abc"}', '{"a":1,"b":2.5}', '{"seconds":3,"steps":10}', '{}',
             '{"id":0,"extra":true}', '["abc","",""]', 'null', '"a"', '2.0', '{"a":[1],"b":null}']


class Corpus:
    def __init__(self, target):
        self.directory = os.path.join(FUZZ, "Corpus", target)
        shutil.rmtree(self.directory, ignore_errors=True)
        os.makedirs(self.directory)

    def add(self, name, data):
        if isinstance(data, str):
            data = data.encode()
        digest = hashlib.sha1(data).hexdigest()[:8]
        with open(os.path.join(self.directory, f"{name}-{digest}"), "wb") as out:
            out.write(data)


def main():
    messages = Corpus("fuzz-messages")
    extra = realistic()
    for index, name in enumerate(message_order()):
        cls = getattr(ts, name)
        messages.add(f"{name}-empty", bytes([index]))
        messages.add(f"{name}-filled", bytes([index]) + filled(cls).SerializeToString())
        for number, value in enumerate(extra.get(name, [])):
            messages.add(f"{name}-real{number}", bytes([index]) + value.SerializeToString())

    envelope = Corpus("fuzz-envelope")
    for group in (client_frames(), server_frames(), hostile_envelopes()):
        for name, body in group.items():
            envelope.add(name, body)

    # fuzz-frames: limit selector, chunk count, chunk lengths, then the stream (see FuzzFrames.swift).
    frames = Corpus("fuzz-frames")
    bodies = list(client_frames().values())
    stream = b"".join(frame(body) for body in bodies)
    frames.add("one-chunk", bytes([5, 0]) + stream)
    frames.add("byte-chunks", bytes([5, 15]) + bytes([1] * 15) + stream)
    frames.add("odd-chunks", bytes([5, 4, 3, 0, 7, 200]) + stream)
    frames.add("empty-frames", bytes([0, 2, 2, 2]) + frame(b"") * 3)
    frames.add("partial-at-end", bytes([4, 1, 9]) + stream[:-5])
    frames.add("over-limit", bytes([3, 0]) + frame(b"x" * 200) + frame(b"y" * 300))
    frames.add("limit-exact", bytes([2, 1, 4]) + frame(b"abcde") + frame(b"abcdef"))
    frames.add("huge-length", bytes([5, 0]) + b"\xff\xff\xff\xff" + b"rest")
    for name, body in {**client_frames(), **server_frames()}.items():
        frames.add("single-" + name, bytes([5, 3, 1, 4, 2]) + frame(body))

    documents = Corpus("fuzz-json")
    for text in JSON_TEXTS + SCHEMAS:
        documents.add("json", text)

    schemas = Corpus("fuzz-schema")
    for number, schema in enumerate(SCHEMAS):
        for other, document in enumerate(DOCUMENTS):
            if (number + other) % 3 == 0:
                schemas.add(f"pair{number}-{other}", schema.encode() + b"\x00" + document.encode())
        schemas.add(f"alone{number}", schema)


if __name__ == "__main__":
    main()
