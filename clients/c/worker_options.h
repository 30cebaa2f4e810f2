/*
 * The common worker command line of clients/EXAMPLES.md.
 */
#ifndef WORKER_OPTIONS_H
#define WORKER_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "taskmanager.h"

typedef struct worker_options {
    const char *server;        /* "host:port" */
    const char *api_key;       /* NULL = none */
    const char *worker_id;
    const char *type_pattern;  /* used when there are no task_type_ids */
    int64_t *task_type_ids;    /* owned; NULL when claiming by pattern */
    size_t task_type_id_count;
    double poll_interval;      /* seconds */
    long wait_ms;              /* how long a claim waits on the server; 0 = no wait */
    long concurrency;          /* claim loops side by side, one thread and connection each */
    long max_runs;             /* 0 = no limit */
    int stop_when_idle;
    int no_register;
    int tls_enabled;           /* --tls, or implied by --tls-ca, --tls-cert, --tls-server-name */
    tm_tls_options tls;        /* with tls_enabled */
    char default_worker_id[320];
} worker_options;

/*
 * Fills `options` from argv and the environment (TASKMANAGER_SERVER, TASKMANAGER_API_KEY, TASKMANAGER_TLS=1,
 * TASKMANAGER_TLS_CA, TASKMANAGER_CLIENT_CERT, TASKMANAGER_CLIENT_KEY, TASKMANAGER_TLS_SERVER_NAME).
 *
 * Returns 0 to run, 1 after printing the help (exit 0), or -1 after printing a usage error (exit 2).
 */
int worker_options_parse(int argc, char **argv, worker_options *options);

/* Frees what worker_options_parse allocated. */
void worker_options_free(worker_options *options);

#endif
