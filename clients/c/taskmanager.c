#include "taskmanager.h"
#include "taskmanager_tls.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define TM_METHOD_PREFIX "/taskmanager.v1.TaskService/"
/* The server's deadline for every call; the socket waits a little longer so the server's answer wins. */
#define TM_CALL_TIMEOUT_MS 30000
#define TM_SOCKET_TIMEOUT_S 40
/* Far above the server's default 4 MiB frame limit, which it never exceeds; guards against garbage lengths. */
#define TM_MAX_FRAME_BYTES (64u * 1024u * 1024u)

struct tm_conn {
    char *host;
    char *port;
    char *api_key;
    int fd;
    tm_tls *tls;    /* NULL = plaintext */
    SSL *ssl;       /* the TLS session on fd, with tls */
    char tls_error[256]; /* the last TLS failure on fd, for its status message */
    int going_away; /* the server sent GoAway: reconnect before the next call */
    uint64_t last_call_id;
};

void tm_set_status(tm_status *status, int code, const char *format, ...) {
    va_list arguments;
    status->code = code;
    va_start(arguments, format);
    vsnprintf(status->message, sizeof status->message, format, arguments);
    va_end(arguments);
}

static char *copy_range(const char *start, size_t length) {
    char *copy = malloc(length + 1);
    if (copy) {
        memcpy(copy, start, length);
        copy[length] = '\0';
    }
    return copy;
}

tm_conn *tm_connect(const char *address, const char *api_key) {
    return tm_connect_tls(address, api_key, NULL);
}

tm_conn *tm_connect_tls(const char *address, const char *api_key, tm_tls *tls) {
    const char *colon = strrchr(address, ':');
    if (!colon || colon[1] == '\0') {
        return NULL;
    }
    const char *host = address;
    size_t host_length = (size_t)(colon - address);
    if (host_length >= 2 && host[0] == '[' && host[host_length - 1] == ']') {
        host++;
        host_length -= 2;
    }
    tm_conn *conn = calloc(1, sizeof *conn);
    if (!conn) {
        return NULL;
    }
    conn->fd = -1;
    conn->tls = tls;
    conn->host = copy_range(host, host_length);
    conn->port = copy_range(colon + 1, strlen(colon + 1));
    conn->api_key = (api_key && *api_key) ? copy_range(api_key, strlen(api_key)) : NULL;
    if (!conn->host || !conn->port || (api_key && *api_key && !conn->api_key)) {
        tm_close(conn);
        return NULL;
    }
    return conn;
}

static void drop_socket(tm_conn *conn) {
    tm_tls_close(conn->ssl);
    conn->ssl = NULL;
    if (conn->fd >= 0) {
        close(conn->fd);
    }
    conn->fd = -1;
    conn->going_away = 0;
}

void tm_close(tm_conn *conn) {
    if (!conn) {
        return;
    }
    drop_socket(conn);
    free(conn->host);
    free(conn->port);
    free(conn->api_key);
    free(conn);
}

static int open_socket(tm_conn *conn, tm_status *status) {
    struct addrinfo hints = {0};
    struct addrinfo *addresses = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int error = getaddrinfo(conn->host, conn->port, &hints, &addresses);
    if (error != 0) {
        tm_set_status(status, TM_UNAVAILABLE, "Cannot resolve %s:%s: %s", conn->host, conn->port, gai_strerror(error));
        return -1;
    }
    int last_errno = 0;
    for (struct addrinfo *address = addresses; address; address = address->ai_next) {
        int fd = socket(address->ai_family, address->ai_socktype, address->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        if (connect(fd, address->ai_addr, address->ai_addrlen) == 0) {
            int one = 1;
            struct timeval timeout = {.tv_sec = TM_SOCKET_TIMEOUT_S};
            /* Best effort: without them calls still work, only slower or without a local timeout. */
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
            (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
            freeaddrinfo(addresses);
            if (conn->tls && !(conn->ssl = tm_tls_handshake(conn->tls, fd, conn->host, conn->port, status))) {
                close(fd);
                return -1;
            }
            conn->fd = fd;
            return 0;
        }
        last_errno = errno;
        close(fd);
    }
    freeaddrinfo(addresses);
    tm_set_status(status, TM_UNAVAILABLE, "Cannot connect to %s:%s: %s", conn->host, conn->port, strerror(last_errno));
    return -1;
}

static int write_fully(tm_conn *conn, const uint8_t *bytes, size_t length) {
    while (length > 0) {
        ssize_t written = conn->ssl ? tm_tls_send(conn->ssl, bytes, length, conn->tls_error, sizeof conn->tls_error)
                                    : send(conn->fd, bytes, length, MSG_NOSIGNAL);
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        bytes += written;
        length -= (size_t)written;
    }
    return 0;
}

/* Returns 0 when all `length` bytes were read, -1 on error or end of stream (errno 0). */
static int read_fully(tm_conn *conn, uint8_t *bytes, size_t length) {
    while (length > 0) {
        ssize_t got = conn->ssl ? tm_tls_recv(conn->ssl, bytes, length, conn->tls_error, sizeof conn->tls_error)
                                : recv(conn->fd, bytes, length, 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            if (got == 0) {
                errno = 0;
            }
            return -1;
        }
        bytes += got;
        length -= (size_t)got;
    }
    return 0;
}

static int network_failure(tm_conn *conn, tm_status *status, const char *action) {
    int saved = errno;
    drop_socket(conn);
    if (saved == EPROTO && conn->tls_error[0]) {
        tm_set_status(status, TM_UNAVAILABLE, "TLS error while %s: %s", action, conn->tls_error);
    } else if (saved == 0) {
        tm_set_status(status, TM_UNAVAILABLE, "Connection closed by the server while %s", action);
    } else {
        tm_set_status(status, TM_UNAVAILABLE, "Network error while %s: %s", action, strerror(saved));
    }
    return -1;
}

/* Sends one ClientFrame holding `request`. */
static int send_request(tm_conn *conn, const Taskmanager__Rpc__V1__Request *request, tm_status *status) {
    Taskmanager__Rpc__V1__ClientFrame frame = TASKMANAGER__RPC__V1__CLIENT_FRAME__INIT;
    frame.kind_case = TASKMANAGER__RPC__V1__CLIENT_FRAME__KIND_REQUEST;
    frame.request = (Taskmanager__Rpc__V1__Request *)request;
    size_t length = taskmanager__rpc__v1__client_frame__get_packed_size(&frame);
    uint8_t *bytes = malloc(4 + length);
    if (!bytes) {
        tm_set_status(status, TM_INTERNAL, "Out of memory");
        return -1;
    }
    bytes[0] = (uint8_t)(length >> 24);
    bytes[1] = (uint8_t)(length >> 16);
    bytes[2] = (uint8_t)(length >> 8);
    bytes[3] = (uint8_t)length;
    taskmanager__rpc__v1__client_frame__pack(&frame, bytes + 4);
    int result = write_fully(conn, bytes, 4 + length);
    free(bytes);
    return result == 0 ? 0 : network_failure(conn, status, "sending a request");
}

/* Reads one ServerFrame; the caller frees it. */
static Taskmanager__Rpc__V1__ServerFrame *read_frame(tm_conn *conn, tm_status *status) {
    uint8_t header[4];
    if (read_fully(conn, header, sizeof header) != 0) {
        network_failure(conn, status, "waiting for a response");
        return NULL;
    }
    uint32_t length = (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 | (uint32_t)header[2] << 8 | header[3];
    /* A TLS record starts with its content type (20 to 23), then major version 3. */
    if (!conn->ssl && header[0] >= 0x14 && header[0] <= 0x17 && header[1] == 3) {
        drop_socket(conn);
        tm_set_status(status, TM_UNAVAILABLE,
                      "The server at %s:%s speaks TLS: connect with TLS (e.g. --tls or --tls-ca FILE)",
                      conn->host, conn->port);
        return NULL;
    }
    if (length > TM_MAX_FRAME_BYTES) {
        drop_socket(conn);
        tm_set_status(status, TM_INTERNAL, "The server sent a frame of %u bytes", (unsigned)length);
        return NULL;
    }
    uint8_t *body = malloc(length ? length : 1);
    if (!body) {
        tm_set_status(status, TM_INTERNAL, "Out of memory");
        drop_socket(conn);
        return NULL;
    }
    if (read_fully(conn, body, length) != 0) {
        free(body);
        network_failure(conn, status, "reading a response");
        return NULL;
    }
    Taskmanager__Rpc__V1__ServerFrame *frame = taskmanager__rpc__v1__server_frame__unpack(NULL, length, body);
    free(body);
    if (!frame) {
        drop_socket(conn);
        tm_set_status(status, TM_INTERNAL, "The server sent an undecodable frame");
    }
    return frame;
}

/* Copies the response's status and payload out; returns 0 when the call is answered, -1 to keep waiting. */
static int take_response(const Taskmanager__Rpc__V1__Response *answer, uint64_t call_id,
                         const ProtobufCMessageDescriptor *response_descriptor, ProtobufCMessage **response,
                         tm_status *status) {
    /* With one call in flight, an error for "no call" (call_id 0) is the server refusing our frame. */
    if (answer->call_id != call_id && answer->call_id != 0) {
        return -1;
    }
    if (answer->call_id == call_id && !answer->end_of_stream) {
        return -1; /* protocol.md: ignore non-final responses for forward compatibility */
    }
    if (answer->status && answer->status->code != TM_OK) {
        tm_set_status(status, answer->status->code, "%s", answer->status->message);
        return 0;
    }
    tm_set_status(status, TM_OK, "");
    if (response_descriptor && response) {
        *response = protobuf_c_message_unpack(response_descriptor, NULL, answer->payload.len, answer->payload.data);
        if (!*response) {
            tm_set_status(status, TM_INTERNAL, "Undecodable %s in the response", response_descriptor->name);
        }
    }
    return 0;
}

int tm_call(tm_conn *conn, const char *method_name, const ProtobufCMessage *request,
            const ProtobufCMessageDescriptor *response_descriptor, ProtobufCMessage **response,
            tm_status *status) {
    if (response) {
        *response = NULL;
    }
    if (conn->going_away) {
        drop_socket(conn);
    }
    if (conn->fd < 0 && open_socket(conn, status) != 0) {
        return status->code;
    }
    size_t method_length = strlen(TM_METHOD_PREFIX) + strlen(method_name) + 1;
    char *method = malloc(method_length);
    size_t payload_length = protobuf_c_message_get_packed_size(request);
    uint8_t *payload = malloc(payload_length ? payload_length : 1);
    if (!method || !payload) {
        free(method);
        free(payload);
        tm_set_status(status, TM_INTERNAL, "Out of memory");
        return status->code;
    }
    snprintf(method, method_length, "%s%s", TM_METHOD_PREFIX, method_name);
    protobuf_c_message_pack(request, payload);

    Taskmanager__Rpc__V1__Request__MetadataEntry api_key = TASKMANAGER__RPC__V1__REQUEST__METADATA_ENTRY__INIT;
    Taskmanager__Rpc__V1__Request__MetadataEntry *metadata[] = {&api_key};
    Taskmanager__Rpc__V1__Request call = TASKMANAGER__RPC__V1__REQUEST__INIT;
    call.call_id = ++conn->last_call_id;
    call.method = method;
    call.payload.data = payload;
    call.payload.len = payload_length;
    call.timeout_ms = TM_CALL_TIMEOUT_MS;
    if (conn->api_key) {
        api_key.key = "x-api-key";
        api_key.value = conn->api_key;
        call.n_metadata = 1;
        call.metadata = metadata;
    }
    int sent = send_request(conn, &call, status);
    free(method);
    free(payload);
    if (sent != 0) {
        return status->code;
    }
    for (;;) {
        Taskmanager__Rpc__V1__ServerFrame *frame = read_frame(conn, status);
        if (!frame) {
            return status->code;
        }
        int answered = -1;
        if (frame->kind_case == TASKMANAGER__RPC__V1__SERVER_FRAME__KIND_RESPONSE) {
            answered = take_response(frame->response, call.call_id, response_descriptor, response, status);
        } else if (frame->kind_case == TASKMANAGER__RPC__V1__SERVER_FRAME__KIND_GO_AWAY) {
            conn->going_away = 1; /* our call may still be answered; the next one goes to a new connection */
        }
        taskmanager__rpc__v1__server_frame__free_unpacked(frame, NULL);
        if (answered == 0) {
            return status->code;
        }
    }
}
