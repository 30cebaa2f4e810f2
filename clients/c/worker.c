/*
 * The C worker of clients/EXAMPLES.md: registers the example task types, then claims, runs and reports
 * tasks until it is idle (--stop-when-idle), has handled --max-runs tasks, is signalled, or has failed to
 * reach the server 5 times in a row. Logs go to stderr; the summary line `processed=N failed=M` to stdout.
 *
 * A claim waits on the server for a task (a long poll, in claims of at most 2 s so that a signal is noticed).
 * While a handler runs, a thread with its own connection renews the lease (Heartbeat every third of the lease);
 * every call about the task carries the claim's attempt. A cancel request or a lost lease, from a heartbeat or
 * a progress reply, makes the handler's progress callback and stop check say "stop": a cancelled task is then
 * failed (the server records it cancelled), and the result of a task whose lease was lost is dropped.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "example_types.h"
#include "taskmanager.h"
#include "worker_options.h"

#define MAX_CONSECUTIVE_ERRORS 5
#define MAX_BACKOFF_SECONDS 30.0
#define MAX_CLAIM_WAIT_MS 2000u

static volatile sig_atomic_t stop_requested;
/* Tasks claimed by every slot so far, for --max-runs. */
static atomic_long runs_claimed;

static void request_stop(int signal_number) {
    (void)signal_number;
    stop_requested = 1;
}

typedef struct worker {
    worker_options options;
    tm_tls *tls; /* NULL = plaintext; shared by every connection */
    tm_conn *conn;
    long processed;
    long failed;
    int consecutive_errors;
} worker;

/* The task whose handler runs, shared with its heartbeat thread. */
typedef struct running_task {
    worker *worker;
    int64_t id;
    int32_t attempt;
    double heartbeat_seconds;
    atomic_int cancel_requested;
    atomic_int lease_lost;
    /* Set when the handler is done; the heartbeat thread waits on `wake` for it or for its next beat. */
    int done;
    pthread_mutex_t lock;
    pthread_cond_t wake;
} running_task;

/* Sleeps `seconds`, returning early when a stop is requested. */
static void idle_sleep(double seconds) {
    struct timespec remaining = {.tv_sec = (time_t)seconds};
    remaining.tv_nsec = (long)((seconds - (double)remaining.tv_sec) * 1e9);
    while (!stop_requested && nanosleep(&remaining, &remaining) != 0 && errno == EINTR) {
    }
}

static void install_signal_handlers(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    /* No SA_RESTART: an idle sleep must wake up at once; socket reads retry on EINTR themselves. */
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
}

static int should_stop(void *context) {
    running_task *task = context;
    return atomic_load(&task->cancel_requested) || atomic_load(&task->lease_lost);
}

static int report_progress(void *context, int progress, const char *message) {
    running_task *task = context;
    tm_status status;
    int cancel = 0;
    if (tm_update_progress(task->worker->conn, task->id, task->worker->options.worker_id, task->attempt, progress,
                           message, &cancel, &status) != TM_OK) {
        fprintf(stderr, "Progress update of task %" PRId64 " failed (code %d): %s\n", task->id, status.code,
                status.message);
        if (tm_lost_claim(&status)) {
            atomic_store(&task->lease_lost, 1);
        }
    } else if (cancel) {
        atomic_store(&task->cancel_requested, 1);
    }
    return should_stop(task);
}

/* A new connection of the worker (over TLS when it has TLS); NULL for an invalid address. */
static tm_conn *connect_worker(const worker *w) {
    return tm_connect_tls(w->options.server, w->options.api_key, w->tls);
}

/* The heartbeat thread: a Heartbeat every `heartbeat_seconds` on its own connection, until the task is done. */
static void *renew_lease(void *context) {
    running_task *task = context;
    tm_conn *conn = connect_worker(task->worker);
    pthread_mutex_lock(&task->lock);
    while (!task->done && conn) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        double at = (double)until.tv_nsec / 1e9 + task->heartbeat_seconds;
        until.tv_sec += (time_t)at;
        until.tv_nsec = (long)((at - (double)(time_t)at) * 1e9);
        while (!task->done && pthread_cond_timedwait(&task->wake, &task->lock, &until) != ETIMEDOUT) {
        }
        if (task->done) {
            break;
        }
        pthread_mutex_unlock(&task->lock);
        tm_status status;
        int cancel = 0;
        if (tm_heartbeat(conn, task->id, task->worker->options.worker_id, task->attempt, &cancel, &status) == TM_OK) {
            if (cancel) {
                atomic_store(&task->cancel_requested, 1);
            }
        } else {
            fprintf(stderr, "Heartbeat of task %" PRId64 " failed (code %d): %s\n", task->id, status.code,
                    status.message);
            if (tm_lost_claim(&status)) {
                atomic_store(&task->lease_lost, 1);
                pthread_mutex_lock(&task->lock);
                break;
            }
        }
        pthread_mutex_lock(&task->lock);
    }
    pthread_mutex_unlock(&task->lock);
    tm_close(conn);
    return NULL;
}

/* Counts one error talking to the server; returns 1 when the worker must give up. */
static int count_error(worker *w, const char *action, const tm_status *status) {
    w->consecutive_errors++;
    fprintf(stderr, "%s failed (code %d): %s [%d/%d]\n", action, status->code, status->message,
            w->consecutive_errors, MAX_CONSECUTIVE_ERRORS);
    if (w->consecutive_errors >= MAX_CONSECUTIVE_ERRORS) {
        fprintf(stderr, "Giving up after %d consecutive errors\n", MAX_CONSECUTIVE_ERRORS);
        return 1;
    }
    return 0;
}

static double backoff_seconds(const worker *w) {
    double backoff = 2 * w->options.poll_interval;
    return backoff < MAX_BACKOFF_SECONDS ? backoff : MAX_BACKOFF_SECONDS;
}

/* Whether a claim waits on the server (then no sleep is needed between claims that found nothing). */
static int claims_wait(const worker *w) {
    return w->options.wait_ms > 0 && !w->options.stop_when_idle && w->options.task_type_id_count <= 1;
}

/* One claim round: by pattern, or one ClaimTask per configured id in turn until one yields a task. */
static int claim(worker *w, Taskmanager__V1__ClaimTaskResponse **response, tm_status *status) {
    const worker_options *options = &w->options;
    uint32_t wait_ms = 0;
    if (claims_wait(w)) {
        wait_ms = options->wait_ms < MAX_CLAIM_WAIT_MS ? (uint32_t)options->wait_ms : MAX_CLAIM_WAIT_MS;
    }
    if (options->task_type_id_count == 0) {
        return tm_claim_task(w->conn, options->worker_id, 0, options->type_pattern, wait_ms, response, status);
    }
    for (size_t i = 0;; i++) {
        if (tm_claim_task(w->conn, options->worker_id, options->task_type_ids[i], NULL, wait_ms, response, status) != TM_OK ||
            (*response)->task || i + 1 == options->task_type_id_count) {
            return status->code;
        }
        taskmanager__v1__claim_task_response__free_unpacked(*response, NULL);
        *response = NULL;
    }
}

/* Runs the task's handler and reports its outcome; returns the status of CompleteTask or FailTask. */
static int run_task(worker *w, const Taskmanager__V1__Task *task, tm_status *status) {
    running_task context = {.worker = w, .id = task->id, .attempt = task->attempts, .heartbeat_seconds = 10.0};
    int64_t lease_ms = task->lease_expires_at_ms - task->claimed_at_ms;
    if (lease_ms > 0) {
        context.heartbeat_seconds = lease_ms / 3000.0 > 0.1 ? lease_ms / 3000.0 : 0.1;
    }
    atomic_init(&context.cancel_requested, 0);
    atomic_init(&context.lease_lost, 0);
    pthread_mutex_init(&context.lock, NULL);
    pthread_cond_init(&context.wake, NULL);
    pthread_t heartbeats;
    int have_heartbeats = pthread_create(&heartbeats, NULL, renew_lease, &context) == 0;
    if (!have_heartbeats) {
        fprintf(stderr, "Task %" PRId64 ": no heartbeat thread; the lease is renewed only by progress\n", task->id);
    }
    char *result_json = NULL;
    char *error = NULL;
    fprintf(stderr, "Task %" PRId64 " (%s): claimed\n", task->id, task->type);
    int handled = example_handle(task->type, task->params_json, report_progress, should_stop, &context,
                                 &result_json, &error);
    pthread_mutex_lock(&context.lock);
    context.done = 1;
    pthread_cond_signal(&context.wake);
    pthread_mutex_unlock(&context.lock);
    if (have_heartbeats) {
        pthread_join(heartbeats, NULL);
    }
    w->processed++;
    status->code = TM_OK;
    status->message[0] = '\0';
    if (atomic_load(&context.lease_lost)) {
        fprintf(stderr, "Task %" PRId64 " (%s): lease lost, its result is dropped\n", task->id, task->type);
        w->failed++;
    } else if (handled == 0) {
        tm_complete_task(w->conn, task->id, w->options.worker_id, context.attempt, result_json, status);
        if (status->code == TM_OK) {
            fprintf(stderr, "Task %" PRId64 " (%s): completed\n", task->id, task->type);
        } else {
            w->failed++;
        }
    } else {
        int cancelled = atomic_load(&context.cancel_requested);
        char cancel_message[1100] = "Cancelled";
        if (cancelled) {
            Taskmanager__V1__Task *current = NULL;
            tm_status lookup;
            if (tm_get_task(w->conn, task->id, &current, &lookup) == TM_OK && current->cancel_reason &&
                current->cancel_reason[0]) {
                snprintf(cancel_message, sizeof cancel_message, "Cancelled: %s", current->cancel_reason);
            }
            if (current) {
                taskmanager__v1__task__free_unpacked(current, NULL);
            }
        }
        const char *message = cancelled ? cancel_message : error ? error : "Out of memory";
        int retried = 0;
        tm_fail_task(w->conn, task->id, w->options.worker_id, context.attempt, message, &retried, status);
        fprintf(stderr, "Task %" PRId64 " (%s): %s%s\n", task->id, task->type, cancelled ? "cancelled" : message,
                retried ? " (will be retried)" : "");
        w->failed++;
    }
    if (status->code != TM_OK && tm_lost_claim(status)) {
        fprintf(stderr, "Task %" PRId64 " (%s): %s, its result is dropped\n", task->id, task->type, status->message);
        status->code = TM_OK;
    }
    pthread_cond_destroy(&context.wake);
    pthread_mutex_destroy(&context.lock);
    free(result_json);
    free(error);
    return status->code;
}

/* Takes one of --max-runs for a claim; 0 when they are all taken. */
static int reserve_run(const worker *w) {
    if (w->options.max_runs == 0) {
        return 1;
    }
    if (atomic_fetch_add(&runs_claimed, 1) < w->options.max_runs) {
        return 1;
    }
    atomic_fetch_sub(&runs_claimed, 1);
    return 0;
}

static void unreserve_run(const worker *w) {
    if (w->options.max_runs != 0) {
        atomic_fetch_sub(&runs_claimed, 1);
    }
}

/* The claim loop of one slot; returns the exit status. */
static int run(worker *w) {
    int back_off = 0;
    while (!stop_requested) {
        if (back_off) {
            idle_sleep(backoff_seconds(w));
            back_off = 0;
            continue; /* a stop may have been requested meanwhile */
        }
        if (!reserve_run(w)) {
            break;
        }
        Taskmanager__V1__ClaimTaskResponse *response = NULL;
        tm_status status;
        if (claim(w, &response, &status) != TM_OK) {
            unreserve_run(w);
            if (count_error(w, "ClaimTask", &status)) {
                return 1;
            }
            back_off = 1;
            continue;
        }
        w->consecutive_errors = 0;
        if (!response->task) {
            unreserve_run(w);
            taskmanager__v1__claim_task_response__free_unpacked(response, NULL);
            if (w->options.stop_when_idle) {
                break;
            }
            if (!claims_wait(w)) {
                idle_sleep(w->options.poll_interval);
            }
            continue;
        }
        int reported = run_task(w, response->task, &status);
        taskmanager__v1__claim_task_response__free_unpacked(response, NULL);
        if (reported != TM_OK) {
            if (count_error(w, "Reporting the task's outcome", &status)) {
                return 1;
            }
            back_off = 1;
        }
    }
    return 0;
}

static int register_examples(worker *w) {
    for (size_t i = 0; i < example_type_count; i++) {
        tm_status status;
        if (tm_register_task_type(w->conn, example_types[i].name, example_types[i].version,
                                  example_types[i].param_schema_json, &status) != TM_OK) {
            fprintf(stderr, "Registering %s failed (code %d): %s\n", example_types[i].name, status.code,
                    status.message);
            return -1;
        }
    }
    return 0;
}

static int check_health(worker *w) {
    Taskmanager__V1__HealthResponse *health = NULL;
    tm_status status;
    if (tm_health(w->conn, &health, &status) != TM_OK) {
        fprintf(stderr, "Health check of %s failed (code %d): %s\n", w->options.server, status.code, status.message);
        return -1;
    }
    int healthy = strcmp(health->status, "healthy") == 0;
    fprintf(stderr, "Worker %s: server %s is %s (version %s, database %s)\n", w->options.worker_id,
            w->options.server, health->status, health->version, health->database);
    taskmanager__v1__health_response__free_unpacked(health, NULL);
    return healthy ? 0 : -1;
}

/* A slot of --concurrency: its own connection and claim loop. */
typedef struct slot {
    worker worker;
    pthread_t thread;
    int exit_status;
} slot;

static void *run_slot(void *context) {
    slot *s = context;
    s->exit_status = run(&s->worker);
    return NULL;
}

/* Runs --concurrency claim loops side by side (the first on `w`); returns the worst exit status. */
static int run_slots(worker *w) {
    long count = w->options.concurrency;
    if (count <= 1) {
        return run(w);
    }
    slot *slots = calloc((size_t)count - 1, sizeof *slots);
    if (!slots) {
        fprintf(stderr, "Out of memory\n");
        return 1;
    }
    long started = 0;
    for (; started < count - 1; started++) {
        slots[started].worker.options = w->options;
        slots[started].worker.tls = w->tls;
        slots[started].worker.conn = connect_worker(w);
        if (!slots[started].worker.conn ||
            pthread_create(&slots[started].thread, NULL, run_slot, &slots[started]) != 0) {
            tm_close(slots[started].worker.conn);
            fprintf(stderr, "Cannot start slot %ld of %ld\n", started + 2, count);
            break;
        }
    }
    int exit_status = run(w);
    for (long i = 0; i < started; i++) {
        pthread_join(slots[i].thread, NULL);
        w->processed += slots[i].worker.processed;
        w->failed += slots[i].worker.failed;
        if (slots[i].exit_status > exit_status) {
            exit_status = slots[i].exit_status;
        }
        tm_close(slots[i].worker.conn);
    }
    free(slots);
    return exit_status;
}

int main(int argc, char **argv) {
    worker w = {0};
    int parsed = worker_options_parse(argc, argv, &w.options);
    if (parsed != 0) {
        worker_options_free(&w.options);
        return parsed > 0 ? 0 : 2;
    }
    install_signal_handlers();
    if (w.options.tls_enabled) {
        tm_status status;
        if (!(w.tls = tm_tls_new(&w.options.tls, &status))) {
            fprintf(stderr, "worker: %s\n", status.message);
            worker_options_free(&w.options);
            return 2;
        }
    }
    int exit_status = 1;
    w.conn = connect_worker(&w);
    if (!w.conn) {
        fprintf(stderr, "Invalid server address \"%s\": want HOST:PORT\n", w.options.server);
    } else if (check_health(&w) == 0 && (w.options.no_register || register_examples(&w) == 0)) {
        exit_status = run_slots(&w);
    }
    printf("processed=%ld failed=%ld\n", w.processed, w.failed);
    tm_close(w.conn);
    tm_tls_free(w.tls);
    worker_options_free(&w.options);
    return exit_status;
}
