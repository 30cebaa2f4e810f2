"""Reflection from another language: a generic client (like grpcurl) fetches the served descriptors with a plain
socket, loads them into protobuf's descriptor pool, and from them alone builds a request, calls it and reads
the answer, with no generated code for the service's messages."""
import socket
import struct

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

from conftest import start_server
from taskmanager.rpc.v1 import rpc_pb2


def _call(sock, call_id, method, payload):
    frame = rpc_pb2.ClientFrame(request=rpc_pb2.Request(call_id=call_id, method=method, payload=payload))
    body = frame.SerializeToString()
    sock.sendall(struct.pack(">I", len(body)) + body)
    (length,) = struct.unpack(">I", _read(sock, 4))
    answer = rpc_pb2.ServerFrame.FromString(_read(sock, length))
    assert answer.response.call_id == call_id
    return answer.response


def _read(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        assert chunk, "the server closed the connection"
        data += chunk
    return data


def test_a_generic_client_calls_the_service_from_the_served_descriptors(tmp_path):
    server = start_server(tmp_path)
    try:
        host, port = server.address.split(":")
        with socket.create_connection((host, int(port))) as sock:
            reflection = _call(sock, 1, "/taskmanager.rpc.v1.Reflection/GetFileDescriptorSet", b"")
            assert reflection.status.code == 0, reflection.status.message
            # The response message itself is read through the descriptors it carries.
            pool = descriptor_pool.DescriptorPool()
            bootstrap = descriptor_pb2.FileDescriptorSet()
            # Field 1 of GetFileDescriptorSetResponse is the set's bytes.
            response_set = _field_one(reflection.payload)
            bootstrap.ParseFromString(response_set)
            for file in bootstrap.file:
                pool.Add(file)
            service = pool.FindServiceByName("taskmanager.v1.TaskService")
            methods = {method.name: method for method in service.methods}
            assert {"CreateTask", "ClaimTasks", "WatchTasks", "GetStats"} <= set(methods)
            comments = [f for f in bootstrap.file if f.name.endswith("task_service.proto")][0].source_code_info
            assert len(comments.location) > 100, "the descriptors carry the proto's comments"

            register = methods["RegisterTaskType"]
            factory = message_factory.MessageFactory(pool)
            request_class = factory.GetPrototype(register.input_type)
            request = json_format.Parse('{"name": "reflected", "version": "1", "paramSchemaJson": "{\\"type\\":\\"object\\"}"}', request_class())
            answer = _call(sock, 2, "/taskmanager.v1.TaskService/RegisterTaskType", request.SerializeToString())
            assert answer.status.code == 0, answer.status.message
            reply = factory.GetPrototype(register.output_type).FromString(answer.payload)
            printed = json_format.MessageToDict(reply)
            assert printed["taskType"]["name"] == "reflected"
            assert printed["created"] is True
    finally:
        server.stop()


def _field_one(payload):
    """The bytes of field 1 (length-delimited) of a message: enough protobuf to read before the descriptors exist."""
    offset = 0
    while offset < len(payload):
        key, offset = _varint(payload, offset)
        if key >> 3 == 1 and key & 7 == 2:
            length, offset = _varint(payload, offset)
            return payload[offset:offset + length]
        if key & 7 == 2:
            length, offset = _varint(payload, offset)
            offset += length
        elif key & 7 == 0:
            _, offset = _varint(payload, offset)
        else:
            raise AssertionError(f"unexpected wire type {key & 7}")
    raise AssertionError("no field 1")


def _varint(data, offset):
    value, shift = 0, 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, offset
        shift += 7
