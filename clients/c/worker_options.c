#include "worker_options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char usage[] =
    "usage: worker [options]\n"
    "  --server HOST:PORT        default 127.0.0.1:7411, or env TASKMANAGER_SERVER\n"
    "  --api-key KEY             sent as metadata x-api-key; or env TASKMANAGER_API_KEY\n"
    "  --worker-id ID            default c-worker-<hostname>-<pid>\n"
    "  --type-pattern PATTERN    SQL LIKE on the type name; default \"example.%\"\n"
    "  --task-type-ids 1,2,3     claim these type ids instead of the pattern\n"
    "  --poll-interval SECONDS   sleep when there is nothing to claim and claims do not wait; default 10\n"
    "  --wait-ms MS              how long a claim waits on the server for a task (long poll); default 20000\n"
    "  --concurrency N           run up to N tasks at once (one thread and connection each); default 1\n"
    "  --max-runs N              stop after handling N tasks; 0 = no limit (default)\n"
    "  --stop-when-idle          exit as soon as a claim finds nothing\n"
    "  --no-register             do not register the example task types at start\n"
    "  --tls                     connect with TLS, trusting the system's CAs unless --tls-ca;\n"
    "                            or env TASKMANAGER_TLS=1\n"
    "  --tls-ca FILE             PEM CA to trust for the server's certificate; implies --tls;\n"
    "                            or env TASKMANAGER_TLS_CA\n"
    "  --tls-cert FILE           PEM client certificate, for a server with mutual TLS; implies --tls;\n"
    "                            or env TASKMANAGER_CLIENT_CERT\n"
    "  --tls-key FILE            PEM key of --tls-cert; or env TASKMANAGER_CLIENT_KEY\n"
    "  --tls-server-name NAME    name the server's certificate must have, instead of the host of --server;\n"
    "                            implies --tls; or env TASKMANAGER_TLS_SERVER_NAME\n";

enum {
    OPTION_SERVER = 1000,
    OPTION_API_KEY,
    OPTION_WORKER_ID,
    OPTION_TYPE_PATTERN,
    OPTION_TASK_TYPE_IDS,
    OPTION_POLL_INTERVAL,
    OPTION_WAIT_MS,
    OPTION_CONCURRENCY,
    OPTION_MAX_RUNS,
    OPTION_STOP_WHEN_IDLE,
    OPTION_NO_REGISTER,
    OPTION_TLS,
    OPTION_TLS_CA,
    OPTION_TLS_CERT,
    OPTION_TLS_KEY,
    OPTION_TLS_SERVER_NAME,
    OPTION_HELP,
};

static const struct option long_options[] = {
    {"server", required_argument, NULL, OPTION_SERVER},
    {"api-key", required_argument, NULL, OPTION_API_KEY},
    {"worker-id", required_argument, NULL, OPTION_WORKER_ID},
    {"type-pattern", required_argument, NULL, OPTION_TYPE_PATTERN},
    {"task-type-ids", required_argument, NULL, OPTION_TASK_TYPE_IDS},
    {"poll-interval", required_argument, NULL, OPTION_POLL_INTERVAL},
    {"wait-ms", required_argument, NULL, OPTION_WAIT_MS},
    {"concurrency", required_argument, NULL, OPTION_CONCURRENCY},
    {"max-runs", required_argument, NULL, OPTION_MAX_RUNS},
    {"stop-when-idle", no_argument, NULL, OPTION_STOP_WHEN_IDLE},
    {"no-register", no_argument, NULL, OPTION_NO_REGISTER},
    {"tls", no_argument, NULL, OPTION_TLS},
    {"tls-ca", required_argument, NULL, OPTION_TLS_CA},
    {"tls-cert", required_argument, NULL, OPTION_TLS_CERT},
    {"tls-key", required_argument, NULL, OPTION_TLS_KEY},
    {"tls-server-name", required_argument, NULL, OPTION_TLS_SERVER_NAME},
    {"help", no_argument, NULL, OPTION_HELP},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *format, const char *value) {
    fprintf(stderr, "worker: ");
    fprintf(stderr, format, value);
    fprintf(stderr, "\n%s", usage);
    return -1;
}

/* Parses "1,2,3" into positive ids; returns 0 or -1. */
static int parse_ids(const char *text, worker_options *options) {
    size_t capacity = 1;
    for (const char *c = text; *c; c++) {
        capacity += *c == ',';
    }
    int64_t *ids = calloc(capacity, sizeof *ids);
    if (!ids) {
        return -1;
    }
    size_t count = 0;
    const char *cursor = text;
    for (;;) {
        char *end = NULL;
        errno = 0;
        long long id = strtoll(cursor, &end, 10);
        if (end == cursor || errno != 0 || id <= 0 || (*end != ',' && *end != '\0')) {
            free(ids);
            return -1;
        }
        ids[count++] = id;
        if (*end == '\0') {
            break;
        }
        cursor = end + 1;
    }
    free(options->task_type_ids);
    options->task_type_ids = ids;
    options->task_type_id_count = count;
    return 0;
}

static const char *non_empty_environment(const char *name) {
    const char *value = getenv(name);
    return value && *value ? value : NULL;
}

/* A variable read as taskmanager reads its flags: 1 for 1/true/yes/on, 0 for 0/false/no/off or none, else -1. */
static int environment_flag(const char *name) {
    const char *value = non_empty_environment(name);
    if (!value) {
        return 0;
    }
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (strcasecmp(value, yes[i]) == 0) {
            return 1;
        }
        if (strcasecmp(value, no[i]) == 0) {
            return 0;
        }
    }
    return -1;
}

int worker_options_parse(int argc, char **argv, worker_options *options) {
    memset(options, 0, sizeof *options);
    const char *server = non_empty_environment("TASKMANAGER_SERVER");
    options->server = server ? server : "127.0.0.1:7411";
    options->api_key = non_empty_environment("TASKMANAGER_API_KEY");
    options->type_pattern = "example.%";
    options->poll_interval = 10;
    options->wait_ms = 20000;
    options->concurrency = 1;
    char hostname[256] = "localhost";
    if (gethostname(hostname, sizeof hostname) != 0) {
        strcpy(hostname, "localhost");
    }
    hostname[sizeof hostname - 1] = '\0';
    snprintf(options->default_worker_id, sizeof options->default_worker_id, "c-worker-%s-%ld", hostname,
             (long)getpid());
    options->worker_id = options->default_worker_id;
    options->tls.ca_file = non_empty_environment("TASKMANAGER_TLS_CA");
    options->tls.cert_file = non_empty_environment("TASKMANAGER_CLIENT_CERT");
    options->tls.key_file = non_empty_environment("TASKMANAGER_CLIENT_KEY");
    options->tls.server_name = non_empty_environment("TASKMANAGER_TLS_SERVER_NAME");
    options->tls_enabled = environment_flag("TASKMANAGER_TLS");
    if (options->tls_enabled < 0) {
        return usage_error("Invalid value in environment variable %s: expected 1/true or 0/false", "TASKMANAGER_TLS");
    }

    int option;
    while ((option = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        char *end = NULL;
        switch (option) {
        case OPTION_SERVER:
            options->server = optarg;
            break;
        case OPTION_API_KEY:
            options->api_key = *optarg ? optarg : NULL;
            break;
        case OPTION_WORKER_ID:
            if (!*optarg) {
                return usage_error("--worker-id must not be empty%s", "");
            }
            options->worker_id = optarg;
            break;
        case OPTION_TYPE_PATTERN:
            options->type_pattern = optarg;
            break;
        case OPTION_TASK_TYPE_IDS:
            if (parse_ids(optarg, options) != 0) {
                return usage_error("--task-type-ids wants positive ids separated by commas, not \"%s\"", optarg);
            }
            break;
        case OPTION_POLL_INTERVAL:
            options->poll_interval = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !isfinite(options->poll_interval) || options->poll_interval < 0) {
                return usage_error("--poll-interval wants a number of seconds >= 0, not \"%s\"", optarg);
            }
            break;
        case OPTION_WAIT_MS:
            errno = 0;
            options->wait_ms = strtol(optarg, &end, 10);
            if (end == optarg || *end != '\0' || errno != 0 || options->wait_ms < 0 || options->wait_ms > 30000) {
                return usage_error("--wait-ms wants milliseconds from 0 to 30000, not \"%s\"", optarg);
            }
            break;
        case OPTION_CONCURRENCY:
            errno = 0;
            options->concurrency = strtol(optarg, &end, 10);
            if (end == optarg || *end != '\0' || errno != 0 || options->concurrency < 1 || options->concurrency > 1000) {
                return usage_error("--concurrency wants an integer from 1 to 1000, not \"%s\"", optarg);
            }
            break;
        case OPTION_MAX_RUNS:
            errno = 0;
            options->max_runs = strtol(optarg, &end, 10);
            if (end == optarg || *end != '\0' || errno != 0 || options->max_runs < 0) {
                return usage_error("--max-runs wants an integer >= 0, not \"%s\"", optarg);
            }
            break;
        case OPTION_STOP_WHEN_IDLE:
            options->stop_when_idle = 1;
            break;
        case OPTION_NO_REGISTER:
            options->no_register = 1;
            break;
        case OPTION_TLS:
            options->tls_enabled = 1;
            break;
        case OPTION_TLS_CA:
            options->tls.ca_file = optarg;
            break;
        case OPTION_TLS_CERT:
            options->tls.cert_file = optarg;
            break;
        case OPTION_TLS_KEY:
            options->tls.key_file = optarg;
            break;
        case OPTION_TLS_SERVER_NAME:
            if (!*optarg) {
                return usage_error("--tls-server-name must not be empty%s", "");
            }
            options->tls.server_name = optarg;
            break;
        case 'h':
        case OPTION_HELP:
            fputs(usage, stdout);
            return 1;
        default:
            fputs(usage, stderr);
            return -1;
        }
    }
    if (optind < argc) {
        return usage_error("unexpected argument \"%s\"", argv[optind]);
    }
    if ((options->tls.cert_file == NULL) != (options->tls.key_file == NULL)) {
        return usage_error("--tls-cert and --tls-key go together%s", "");
    }
    options->tls_enabled |= options->tls.ca_file || options->tls.cert_file || options->tls.server_name;
    return 0;
}

void worker_options_free(worker_options *options) {
    free(options->task_type_ids);
    options->task_type_ids = NULL;
    options->task_type_id_count = 0;
}
