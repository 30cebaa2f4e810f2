/*
 * The five example task types of clients/EXAMPLES.md: their registrations and their handlers.
 */
#ifndef EXAMPLE_TYPES_H
#define EXAMPLE_TYPES_H

#include <stddef.h>

/* One task type to register: the same name, version and schema as clients/examples/task_types.json. */
typedef struct example_type {
    const char *name;
    const char *version;
    const char *param_schema_json;
} example_type;

extern const example_type example_types[];
extern const size_t example_type_count;

/*
 * Reports the progress of the running task; a failure to report is the callee's business. Returns nonzero when
 * the task should stop (its cancel was requested, or its lease was lost).
 */
typedef int (*example_progress_fn)(void *context, int progress, const char *message);

/* Whether the running task should stop; handlers that wait ask it often. */
typedef int (*example_stop_fn)(void *context);

/*
 * Runs the handler of `type` on `params_json` ("" = {}).
 *
 * Returns 0 with *result_json set to the result (a JSON object), or -1 with *error set to the message for
 * FailTask ("Unknown task type: <type>" when there is no handler; "Task stopped" when a handler stopped because
 * `should_stop` or `progress` said so). The caller frees the string it gets.
 */
int example_handle(const char *type, const char *params_json, example_progress_fn progress,
                   example_stop_fn should_stop, void *context, char **result_json, char **error);

#endif
