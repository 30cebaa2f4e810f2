"""Length-prefixed frames: a 4-byte big-endian body length, then one protobuf message."""
import struct

from .protos import rpc_pb2

_LENGTH = struct.Struct(">I")

# Frames this client accepts. The server never sends more than its own limit (4 MiB by default, see
# `taskmanager serve --max-frame-bytes`); this only stops a corrupt length from allocating gigabytes.
MAX_FRAME_BYTES = 64 * 1024 * 1024


class FrameError(Exception):
    """The byte stream from the server cannot be read as frames any more.

    `looks_like_tls` is True when the bad frame length is the start of a TLS record: the server speaks TLS.
    """

    def __init__(self, message, looks_like_tls=False):
        super().__init__(message)
        self.looks_like_tls = looks_like_tls


def encode_frame(message):
    """The bytes of one frame holding `message` (any protobuf message)."""
    body = message.SerializeToString()
    return _LENGTH.pack(len(body)) + body


def read_server_frame(stream, max_bytes=MAX_FRAME_BYTES):
    """Reads one ServerFrame from a buffered binary stream; None at end-of-stream between frames.

    Raises FrameError on a frame cut short, a length over `max_bytes`, or a body that does not decode.
    """
    header = stream.read(_LENGTH.size)
    if not header:
        return None
    if len(header) < _LENGTH.size:
        raise FrameError("connection closed inside a frame header")
    (length,) = _LENGTH.unpack(header)
    if length > max_bytes:
        # A TLS record starts with its content type (20 to 23), then major version 3.
        looks_like_tls = 0x14 <= header[0] <= 0x17 and header[1] == 0x03
        raise FrameError(f"frame of {length} bytes exceeds the client limit of {max_bytes} bytes", looks_like_tls)
    body = stream.read(length) if length else b""
    if len(body) < length:
        raise FrameError("connection closed inside a frame body")
    frame = rpc_pb2.ServerFrame()
    try:
        frame.ParseFromString(body)
    except Exception as error:  # google.protobuf.message.DecodeError, or RuntimeWarning-like C errors
        raise FrameError(f"undecodable server frame: {error}") from error
    return frame
