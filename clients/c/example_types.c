#include "example_types.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

const example_type example_types[] = {
    {"example.echo", "1.0.0",
     "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\"}},\"required\":[\"message\"]}"},
    {"example.uppercase", "1.0.0",
     "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},\"required\":[\"text\"]}"},
    {"example.math.add", "1.0.0",
     "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\"},\"b\":{\"type\":\"number\"}},"
     "\"required\":[\"a\",\"b\"]}"},
    {"example.sleep", "1.0.0",
     "{\"type\":\"object\",\"properties\":{"
     "\"seconds\":{\"type\":\"number\",\"minimum\":0,\"maximum\":60},"
     "\"steps\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100}},"
     "\"required\":[\"seconds\"]}"},
    {"example.error", "1.0.0", "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\"}}}"},
};

const size_t example_type_count = sizeof example_types / sizeof example_types[0];

typedef struct handler_context {
    example_progress_fn progress;
    example_stop_fn should_stop;
    void *context;
} handler_context;

/* A handler fills `result` (an empty object) or returns -1 with *error set. */
typedef int (*handler_fn)(json_object *params, json_object *result, const handler_context *context, char **error);

static int fail(char **error, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    int length = vsnprintf(NULL, 0, format, arguments);
    va_end(arguments);
    *error = malloc(length > 0 ? (size_t)length + 1 : 1);
    if (*error) {
        va_start(arguments, format);
        vsnprintf(*error, (size_t)length + 1, format, arguments);
        va_end(arguments);
    }
    return -1;
}

static json_object *typed_param(json_object *params, const char *name, json_type type) {
    json_object *value = NULL;
    if (!json_object_object_get_ex(params, name, &value) || !json_object_is_type(value, type)) {
        return NULL;
    }
    return value;
}

static json_object *number_param(json_object *params, const char *name) {
    json_object *value = typed_param(params, name, json_type_int);
    return value ? value : typed_param(params, name, json_type_double);
}

/* Adds `value` under `key`, taking the caller's reference; -1 if the value could not be made. */
static int put(json_object *object, const char *key, json_object *value, char **error) {
    if (!value || json_object_object_add(object, key, value) != 0) {
        json_object_put(value);
        return fail(error, "Out of memory");
    }
    return 0;
}

static int echo(json_object *params, json_object *result, const handler_context *context, char **error) {
    (void)context;
    json_object *message = typed_param(params, "message", json_type_string);
    if (!message) {
        return fail(error, "Parameter message must be a string");
    }
    return put(result, "echoed", json_object_get(message), error);
}

static int uppercase(json_object *params, json_object *result, const handler_context *context, char **error) {
    (void)context;
    json_object *text = typed_param(params, "text", json_type_string);
    if (!text) {
        return fail(error, "Parameter text must be a string");
    }
    int length = json_object_get_string_len(text);
    char *upper = malloc((size_t)length + 1);
    if (!upper) {
        return fail(error, "Out of memory");
    }
    memcpy(upper, json_object_get_string(text), (size_t)length + 1);
    for (int i = 0; i < length; i++) {
        if (upper[i] >= 'a' && upper[i] <= 'z') {
            upper[i] = (char)(upper[i] - 'a' + 'A'); /* ASCII only, whatever the locale */
        }
    }
    json_object *value = json_object_new_string_len(upper, length);
    free(upper);
    return put(result, "result", value, error);
}

/* True when json-c holds `number` as an int64 (not a double, nor a uint64 above INT64_MAX). */
static int fits_int64(json_object *number) {
    return json_object_is_type(number, json_type_int) &&
           !(json_object_get_int64(number) == INT64_MAX && json_object_get_uint64(number) > (uint64_t)INT64_MAX);
}

static int math_add(json_object *params, json_object *result, const handler_context *context, char **error) {
    (void)context;
    json_object *a = number_param(params, "a");
    json_object *b = number_param(params, "b");
    if (!a || !b) {
        return fail(error, "Parameters a and b must be numbers");
    }
    int64_t exact;
    if (fits_int64(a) && fits_int64(b) &&
        !__builtin_add_overflow(json_object_get_int64(a), json_object_get_int64(b), &exact)) {
        return put(result, "sum", json_object_new_int64(exact), error);
    }
    double sum = json_object_get_double(a) + json_object_get_double(b);
    if (!isfinite(sum)) {
        return fail(error, "The sum is not a finite number");
    }
    char text[64];
    if (sum == floor(sum) && fabs(sum) < 1e15) {
        snprintf(text, sizeof text, "%.0f", sum);
    } else {
        snprintf(text, sizeof text, "%.17g", sum);
    }
    return put(result, "sum", json_object_new_double_s(sum, text), error);
}

/*
 * Sleeps the whole interval in slices of at most 0.1 s, unless the task should stop (returns -1 then): a signal
 * only sets the worker's stop flag, and the current task must finish.
 */
static int sleep_unless_stopped(double seconds, const handler_context *context) {
    while (seconds > 0) {
        if (context->should_stop(context->context)) {
            return -1;
        }
        double slice = seconds < 0.1 ? seconds : 0.1;
        struct timespec remaining = {.tv_sec = (time_t)slice};
        remaining.tv_nsec = (long)((slice - (double)remaining.tv_sec) * 1e9);
        while (nanosleep(&remaining, &remaining) != 0 && errno == EINTR) {
        }
        seconds -= slice;
    }
    return context->should_stop(context->context) ? -1 : 0;
}

static int sleep_task(json_object *params, json_object *result, const handler_context *context, char **error) {
    json_object *seconds = number_param(params, "seconds");
    if (!seconds || json_object_get_double(seconds) < 0 || json_object_get_double(seconds) > 60) {
        return fail(error, "Parameter seconds must be a number from 0 to 60");
    }
    int steps = 4;
    json_object *given_steps = NULL;
    if (json_object_object_get_ex(params, "steps", &given_steps)) {
        double value = json_object_get_double(given_steps);
        int is_number = json_object_is_type(given_steps, json_type_int) ||
                        json_object_is_type(given_steps, json_type_double);
        if (!is_number || value != floor(value) || value < 1 || value > 100) {
            return fail(error, "Parameter steps must be an integer from 1 to 100");
        }
        steps = (int)value;
    }
    double step_seconds = json_object_get_double(seconds) / steps;
    for (int i = 1; i <= steps; i++) {
        if (sleep_unless_stopped(step_seconds, context) != 0) {
            return fail(error, "Task stopped");
        }
        char message[32];
        snprintf(message, sizeof message, "Step %d/%d", i, steps);
        if (context->progress(context->context, i * 100 / steps, message) != 0) {
            return fail(error, "Task stopped");
        }
    }
    if (put(result, "slept", json_object_get(seconds), error) != 0) {
        return -1;
    }
    return put(result, "steps", json_object_new_int(steps), error);
}

static int error_task(json_object *params, json_object *result, const handler_context *context, char **error) {
    (void)result;
    (void)context;
    json_object *message = typed_param(params, "message", json_type_string);
    return fail(error, "Example error: %s", message ? json_object_get_string(message) : "requested failure");
}

static const struct {
    const char *type;
    handler_fn handler;
} handlers[] = {
    {"example.echo", echo},
    {"example.uppercase", uppercase},
    {"example.math.add", math_add},
    {"example.sleep", sleep_task},
    {"example.error", error_task},
};

static handler_fn find_handler(const char *type) {
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++) {
        if (strcmp(handlers[i].type, type) == 0) {
            return handlers[i].handler;
        }
    }
    return NULL;
}

int example_handle(const char *type, const char *params_json, example_progress_fn progress,
                   example_stop_fn should_stop, void *context, char **result_json, char **error) {
    *result_json = NULL;
    *error = NULL;
    handler_fn handler = find_handler(type);
    if (!handler) {
        return fail(error, "Unknown task type: %s", type);
    }
    json_object *params = json_tokener_parse(params_json[0] ? params_json : "{}");
    if (!json_object_is_type(params, json_type_object)) {
        json_object_put(params);
        return fail(error, "Task parameters are not a JSON object");
    }
    json_object *result = json_object_new_object();
    if (!result) {
        json_object_put(params);
        return fail(error, "Out of memory");
    }
    handler_context handler_context = {progress, should_stop, context};
    int outcome = handler(params, result, &handler_context, error);
    if (outcome == 0) {
        const char *text = json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        *result_json = text ? strdup(text) : NULL;
        if (!*result_json) {
            outcome = fail(error, "Out of memory");
        }
    }
    json_object_put(result);
    json_object_put(params);
    return outcome;
}
