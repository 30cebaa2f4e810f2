/*
 * The smallest useful TaskManager worker in C: claim one example.echo task, report 50 %, complete it.
 *
 *   TASKMANAGER_SERVER=127.0.0.1:7411 build/minimal_worker
 *
 * Prints the task id and exits 0, or exits 1 when nothing was claimable or a call failed. Every request is
 * a protoc-c message from Generated/c; tm_call (taskmanager.c) frames it, sends it and unpacks the answer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "taskmanager.h"

static const char worker_id[] = "minimal-c";

/* Returns 0 when the call succeeded; prints the failure otherwise. */
static int check(const char *method, const tm_status *status) {
    if (status->code != TM_OK) {
        fprintf(stderr, "%s failed (code %d): %s\n", method, status->code, status->message);
        return -1;
    }
    return 0;
}

/* Builds {"echoed": message} from the task's params; the caller frees the string. */
static char *echo_result(const char *params_json) {
    json_object *params = json_tokener_parse(params_json);
    json_object *message = NULL;
    char *result_json = NULL;
    if (json_object_object_get_ex(params, "message", &message)) {
        json_object *result = json_object_new_object();
        json_object_object_add(result, "echoed", json_object_get(message));
        result_json = strdup(json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN));
        json_object_put(result);
    }
    json_object_put(params);
    return result_json;
}

/* Reports 50 % on the claimed task, then completes it; returns the exit status. */
static int finish(tm_conn *conn, const Taskmanager__V1__Task *task) {
    tm_status status;

    /* 2. Report progress: only the worker holding the claim may. */
    Taskmanager__V1__UpdateProgressRequest progress = TASKMANAGER__V1__UPDATE_PROGRESS_REQUEST__INIT;
    progress.id = task->id;
    progress.worker_id = (char *)worker_id;
    progress.progress = 50;
    progress.message = "half way";
    tm_call(conn, "UpdateProgress", &progress.base, NULL, NULL, &status);
    if (check("UpdateProgress", &status) != 0) {
        return 1;
    }

    /* 3. Complete it with the result. */
    char *result_json = echo_result(task->params_json);
    Taskmanager__V1__CompleteTaskRequest complete = TASKMANAGER__V1__COMPLETE_TASK_REQUEST__INIT;
    complete.id = task->id;
    complete.worker_id = (char *)worker_id;
    complete.result_json = result_json ? result_json : "{}";
    tm_call(conn, "CompleteTask", &complete.base, NULL, NULL, &status);
    free(result_json);
    if (check("CompleteTask", &status) != 0) {
        return 1;
    }
    printf("%" PRId64 "\n", task->id);
    return 0;
}

int main(void) {
    const char *server = getenv("TASKMANAGER_SERVER");
    tm_conn *conn = tm_connect(server && *server ? server : "127.0.0.1:7411", getenv("TASKMANAGER_API_KEY"));
    if (!conn) {
        fprintf(stderr, "TASKMANAGER_SERVER must be HOST:PORT\n");
        return 1;
    }

    /* 1. Claim one pending example.echo task; an empty response means there is none. */
    Taskmanager__V1__ClaimTaskRequest claim = TASKMANAGER__V1__CLAIM_TASK_REQUEST__INIT;
    claim.worker_id = (char *)worker_id;
    claim.type_pattern = "example.echo";
    ProtobufCMessage *answer = NULL;
    tm_status status;
    tm_call(conn, "ClaimTask", &claim.base, &taskmanager__v1__claim_task_response__descriptor, &answer, &status);
    Taskmanager__V1__ClaimTaskResponse *claimed = (Taskmanager__V1__ClaimTaskResponse *)answer;

    int exit_status = 1;
    if (check("ClaimTask", &status) == 0 && !claimed->task) {
        fprintf(stderr, "No example.echo task to claim\n");
    } else if (claimed) {
        exit_status = finish(conn, claimed->task);
    }
    if (claimed) {
        taskmanager__v1__claim_task_response__free_unpacked(claimed, NULL);
    }
    tm_close(conn);
    return exit_status;
}
