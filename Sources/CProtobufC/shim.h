#include <protobuf-c/protobuf-c.h>

/// A ProtobufCBuffer with a pointer to its owner: protobuf-c calls `base.append`, which finds its Swift
/// target through `target`.
typedef struct TMAppendBuffer {
    ProtobufCBuffer base;
    void *target;
} TMAppendBuffer;
