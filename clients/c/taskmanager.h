/*
 * A tiny blocking TaskManager client: one TCP (or TLS, with OpenSSL) connection, one call at a time,
 * length-prefixed protobuf frames (docs/protocol.md). The messages are the protoc-c output in Generated/c.
 */
#ifndef TASKMANAGER_CLIENT_H
#define TASKMANAGER_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "taskmanager/rpc/v1/rpc.pb-c.h"
#include "taskmanager/v1/task_service.pb-c.h"

/* The gRPC status codes a worker looks at; the server sends all 17 (docs/protocol.md, "Status codes"). */
enum {
    TM_OK = 0,
    TM_INVALID_ARGUMENT = 3,
    TM_NOT_FOUND = 5,
    TM_PERMISSION_DENIED = 7,
    TM_FAILED_PRECONDITION = 9,
    TM_INTERNAL = 13,
    TM_UNAVAILABLE = 14,
};

/* The outcome of one call: code 0 = OK, otherwise a gRPC status code and its message. */
typedef struct tm_status {
    int code;
    char message[1024];
} tm_status;

/* A connection to a server; opened on the first call and reopened after a network error or GoAway. */
typedef struct tm_conn tm_conn;

/*
 * TLS to the server, as the --tls options of clients/EXAMPLES.md: every field may be NULL. The server's
 * certificate and name are always verified; TLS 1.2 or 1.3.
 */
typedef struct tm_tls_options {
    const char *ca_file;     /* PEM CA certificates to trust; NULL = the system's trust store */
    const char *cert_file;   /* PEM client certificate (and intermediates), for mutual TLS; with key_file */
    const char *key_file;    /* PEM private key of cert_file */
    const char *server_name; /* name the server's certificate must have (and SNI); NULL = the host connected to
                                (an IP address is checked against the certificate's IP addresses); never "" */
} tm_tls_options;

/* The TLS settings, read once and shared by any number of connections and threads. */
typedef struct tm_tls tm_tls;

/*
 * Reads the files of `options`. Returns NULL with TM_INVALID_ARGUMENT in `status`, naming the file, when one
 * cannot be used (or a certificate comes without its key).
 */
tm_tls *tm_tls_new(const tm_tls_options *options, tm_status *status);

/* Frees the TLS settings once no connection uses them. NULL is allowed. */
void tm_tls_free(tm_tls *tls);

/*
 * Prepares a connection to `address` ("host:port", "[v6]:port") that sends `api_key` (NULL or "" = none) as
 * metadata x-api-key. Nothing is sent until the first call. Returns NULL if the address has no port or
 * memory runs out.
 */
tm_conn *tm_connect(const char *address, const char *api_key);

/*
 * As tm_connect, over TLS with `tls` (NULL = plaintext), which must outlive the connection. Every (re)connection
 * does a verified handshake; a failed one is TM_UNAVAILABLE naming the cause ("certificate verify failed", ...).
 */
tm_conn *tm_connect_tls(const char *address, const char *api_key, tm_tls *tls);

/* Closes the socket and frees the connection. NULL is allowed. */
void tm_close(tm_conn *conn);

/*
 * Calls /taskmanager.v1.TaskService/<method_name> with `request` and waits for its response.
 *
 * On OK, if `response_descriptor` is not NULL, *response receives the unpacked response message, which
 * the caller frees with protobuf_c_message_free_unpacked(*response, NULL); otherwise *response is NULL.
 * A network failure is reported as TM_UNAVAILABLE with a local message, and the next call reconnects.
 * Returns status->code.
 */
int tm_call(tm_conn *conn, const char *method_name, const ProtobufCMessage *request,
            const ProtobufCMessageDescriptor *response_descriptor, ProtobufCMessage **response,
            tm_status *status);

/* Health; *response (may be NULL) receives the HealthResponse, freed with ..._health_response__free_unpacked. */
int tm_health(tm_conn *conn, Taskmanager__V1__HealthResponse **response, tm_status *status);

/* RegisterTaskType (an upsert by name). */
int tm_register_task_type(tm_conn *conn, const char *name, const char *version, const char *param_schema_json,
                          tm_status *status);

/*
 * ClaimTask by `task_type_id` (0 = none) and/or `type_pattern` (NULL = none); the server waits up to `wait_ms`
 * (at most 30000; 0 = not at all) for a task to appear. On OK *response holds the ClaimTaskResponse, whose
 * `task` is NULL when nothing was claimable; free it with taskmanager__v1__claim_task_response__free_unpacked.
 */
int tm_claim_task(tm_conn *conn, const char *worker_id, int64_t task_type_id, const char *type_pattern,
                  uint32_t wait_ms, Taskmanager__V1__ClaimTaskResponse **response, tm_status *status);

/*
 * The calls about a claimed task take the claim's `attempt` (the task's `attempts`; 0 = not checked): when the
 * worker's lease was lost, the server answers TM_FAILED_PRECONDITION "Lease lost" instead of acting.
 */

/* UpdateProgress; `message` may be NULL; *cancel_requested (may be NULL) receives the reply's flag. */
int tm_update_progress(tm_conn *conn, int64_t task_id, const char *worker_id, int32_t attempt, int32_t progress,
                       const char *message, int *cancel_requested, tm_status *status);

/* Heartbeat: renews the lease; *cancel_requested (may be NULL) receives the reply's flag. */
int tm_heartbeat(tm_conn *conn, int64_t task_id, const char *worker_id, int32_t attempt, int *cancel_requested,
                 tm_status *status);

/* CompleteTask with `result_json` (NULL = no result). */
int tm_complete_task(tm_conn *conn, int64_t task_id, const char *worker_id, int32_t attempt,
                     const char *result_json, tm_status *status);

/* FailTask with `error`; *retried (may be NULL) tells whether the task went back to pending. */
int tm_fail_task(tm_conn *conn, int64_t task_id, const char *worker_id, int32_t attempt, const char *error,
                 int *retried, tm_status *status);

/* GetTask; on OK *task holds the Task, freed with taskmanager__v1__task__free_unpacked(*task, NULL). */
int tm_get_task(tm_conn *conn, int64_t task_id, Taskmanager__V1__Task **task, tm_status *status);

/* Whether `status` says this worker no longer holds the task (lease lost, not claimed, gone). */
int tm_lost_claim(const tm_status *status);

#endif
