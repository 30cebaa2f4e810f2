/* The typed wrappers of tm_call for the RPCs a worker uses. */
#include <string.h>

#include "taskmanager.h"

int tm_health(tm_conn *conn, Taskmanager__V1__HealthResponse **response, tm_status *status) {
    Taskmanager__V1__HealthRequest request = TASKMANAGER__V1__HEALTH_REQUEST__INIT;
    ProtobufCMessage *answer = NULL;
    tm_call(conn, "Health", &request.base, &taskmanager__v1__health_response__descriptor, &answer, status);
    if (response) {
        *response = (Taskmanager__V1__HealthResponse *)answer;
    } else if (answer) {
        protobuf_c_message_free_unpacked(answer, NULL);
    }
    return status->code;
}

int tm_register_task_type(tm_conn *conn, const char *name, const char *version, const char *param_schema_json,
                          tm_status *status) {
    Taskmanager__V1__RegisterTaskTypeRequest request = TASKMANAGER__V1__REGISTER_TASK_TYPE_REQUEST__INIT;
    request.name = (char *)name;
    request.version = (char *)version;
    request.param_schema_json = (char *)param_schema_json;
    return tm_call(conn, "RegisterTaskType", &request.base, NULL, NULL, status);
}

int tm_claim_task(tm_conn *conn, const char *worker_id, int64_t task_type_id, const char *type_pattern,
                  uint32_t wait_ms, Taskmanager__V1__ClaimTaskResponse **response, tm_status *status) {
    Taskmanager__V1__ClaimTaskRequest request = TASKMANAGER__V1__CLAIM_TASK_REQUEST__INIT;
    request.worker_id = (char *)worker_id;
    request.task_type_id = task_type_id;
    request.wait_ms = wait_ms;
    if (type_pattern) {
        request.type_pattern = (char *)type_pattern;
    }
    ProtobufCMessage *answer = NULL;
    tm_call(conn, "ClaimTask", &request.base, &taskmanager__v1__claim_task_response__descriptor, &answer, status);
    *response = (Taskmanager__V1__ClaimTaskResponse *)answer;
    return status->code;
}

int tm_update_progress(tm_conn *conn, int64_t task_id, const char *worker_id, int32_t attempt, int32_t progress,
                       const char *message, int *cancel_requested, tm_status *status) {
    Taskmanager__V1__UpdateProgressRequest request = TASKMANAGER__V1__UPDATE_PROGRESS_REQUEST__INIT;
    request.id = task_id;
    request.worker_id = (char *)worker_id;
    request.attempt = attempt;
    request.progress = progress;
    if (message) {
        request.message = (char *)message;
    }
    ProtobufCMessage *answer = NULL;
    tm_call(conn, "UpdateProgress", &request.base, &taskmanager__v1__update_progress_response__descriptor, &answer,
            status);
    if (cancel_requested) {
        *cancel_requested = answer ? ((Taskmanager__V1__UpdateProgressResponse *)answer)->cancel_requested : 0;
    }
    if (answer) {
        protobuf_c_message_free_unpacked(answer, NULL);
    }
    return status->code;
}

int tm_heartbeat(tm_conn *conn, int64_t task_id, const char *worker_id, int32_t attempt, int *cancel_requested,
                 tm_status *status) {
    Taskmanager__V1__HeartbeatRequest request = TASKMANAGER__V1__HEARTBEAT_REQUEST__INIT;
    request.id = task_id;
    request.worker_id = (char *)worker_id;
    request.attempt = attempt;
    ProtobufCMessage *answer = NULL;
    tm_call(conn, "Heartbeat", &request.base, &taskmanager__v1__heartbeat_response__descriptor, &answer, status);
    if (cancel_requested) {
        *cancel_requested = answer ? ((Taskmanager__V1__HeartbeatResponse *)answer)->cancel_requested : 0;
    }
    if (answer) {
        protobuf_c_message_free_unpacked(answer, NULL);
    }
    return status->code;
}

int tm_complete_task(tm_conn *conn, int64_t task_id, const char *worker_id, int32_t attempt,
                     const char *result_json, tm_status *status) {
    Taskmanager__V1__CompleteTaskRequest request = TASKMANAGER__V1__COMPLETE_TASK_REQUEST__INIT;
    request.id = task_id;
    request.worker_id = (char *)worker_id;
    request.attempt = attempt;
    if (result_json) {
        request.result_json = (char *)result_json;
    }
    return tm_call(conn, "CompleteTask", &request.base, NULL, NULL, status);
}

int tm_fail_task(tm_conn *conn, int64_t task_id, const char *worker_id, int32_t attempt, const char *error,
                 int *retried, tm_status *status) {
    Taskmanager__V1__FailTaskRequest request = TASKMANAGER__V1__FAIL_TASK_REQUEST__INIT;
    request.id = task_id;
    request.worker_id = (char *)worker_id;
    request.attempt = attempt;
    request.error = (char *)error;
    ProtobufCMessage *answer = NULL;
    tm_call(conn, "FailTask", &request.base, &taskmanager__v1__fail_task_response__descriptor, &answer, status);
    if (retried) {
        *retried = answer ? ((Taskmanager__V1__FailTaskResponse *)answer)->retried : 0;
    }
    if (answer) {
        protobuf_c_message_free_unpacked(answer, NULL);
    }
    return status->code;
}

int tm_get_task(tm_conn *conn, int64_t task_id, Taskmanager__V1__Task **task, tm_status *status) {
    Taskmanager__V1__GetTaskRequest request = TASKMANAGER__V1__GET_TASK_REQUEST__INIT;
    request.id = task_id;
    ProtobufCMessage *answer = NULL;
    tm_call(conn, "GetTask", &request.base, &taskmanager__v1__task__descriptor, &answer, status);
    *task = (Taskmanager__V1__Task *)answer;
    return status->code;
}

int tm_lost_claim(const tm_status *status) {
    static const char *const lost[] = {"Lease lost", "Task is not in claimed state", "Task is already finished"};
    if (status->code == TM_NOT_FOUND || status->code == TM_PERMISSION_DENIED) {
        return 1;
    }
    if (status->code != TM_FAILED_PRECONDITION) {
        return 0;
    }
    for (size_t i = 0; i < sizeof lost / sizeof lost[0]; i++) {
        if (strcmp(status->message, lost[i]) == 0) {
            return 1;
        }
    }
    return 0;
}
