#include "taskmanager_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

struct tm_tls {
    SSL_CTX *context;
    char *server_name;
};

/* OpenSSL's reason for the last failure on this thread ("certificate verify failed", ...), or `fallback`. */
static void last_error(char *text, size_t size, const char *fallback) {
    unsigned long error = ERR_peek_last_error();
    const char *reason = error ? ERR_reason_error_string(error) : NULL;
    snprintf(text, size, "%s", reason ? reason : fallback);
    ERR_clear_error();
}

/* Returns 0, or -1 with TM_INVALID_ARGUMENT naming `path`. */
static int loaded(int result, const char *role, const char *path, tm_status *status) {
    if (result == 1) {
        return 0;
    }
    char reason[256];
    last_error(reason, sizeof reason, "unusable");
    tm_set_status(status, TM_INVALID_ARGUMENT, "Cannot use TLS %s file %s: %s", role, path, reason);
    return -1;
}

/* Returns 0 when `path` (NULL = none) can be opened, or -1 with TM_INVALID_ARGUMENT naming it and the reason. */
static int readable(const char *path, const char *role, tm_status *status) {
    FILE *file = path ? fopen(path, "r") : NULL;
    if (file || !path) {
        if (file) {
            fclose(file);
        }
        return 0;
    }
    tm_set_status(status, TM_INVALID_ARGUMENT, "Cannot use TLS %s file %s: %s", role, path, strerror(errno));
    return -1;
}

tm_tls *tm_tls_new(const tm_tls_options *options, tm_status *status) {
    if ((options->cert_file == NULL) != (options->key_file == NULL)) {
        tm_set_status(status, TM_INVALID_ARGUMENT, "A TLS client certificate needs its key, and a key its certificate");
        return NULL;
    }
    if (options->server_name && !*options->server_name) {
        /* An empty name would check no name at all. */
        tm_set_status(status, TM_INVALID_ARGUMENT, "The TLS server name must not be empty");
        return NULL;
    }
    if (readable(options->ca_file, "CA", status) || readable(options->cert_file, "certificate", status) ||
        readable(options->key_file, "key", status)) {
        return NULL;
    }
    tm_tls *tls = calloc(1, sizeof *tls);
    if (!tls || !(tls->context = SSL_CTX_new(TLS_client_method())) ||
        (options->server_name && !(tls->server_name = strdup(options->server_name)))) {
        tm_tls_free(tls);
        tm_set_status(status, TM_INTERNAL, "Out of memory");
        return NULL;
    }
    SSL_CTX *context = tls->context;
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, NULL);
    int failed = options->ca_file ? loaded(SSL_CTX_load_verify_locations(context, options->ca_file, NULL), "CA",
                                           options->ca_file, status)
                                  : loaded(SSL_CTX_set_default_verify_paths(context), "CA", "(system default)", status);
    if (!failed && options->cert_file) {
        failed = loaded(SSL_CTX_use_certificate_chain_file(context, options->cert_file), "certificate",
                        options->cert_file, status) ||
                 loaded(SSL_CTX_use_PrivateKey_file(context, options->key_file, SSL_FILETYPE_PEM), "key",
                        options->key_file, status) ||
                 loaded(SSL_CTX_check_private_key(context), "key", options->key_file, status);
    }
    if (failed) {
        tm_tls_free(tls);
        return NULL;
    }
    return tls;
}

void tm_tls_free(tm_tls *tls) {
    if (!tls) {
        return;
    }
    SSL_CTX_free(tls->context);
    free(tls->server_name);
    free(tls);
}

static int is_ip_address(const char *name) {
    unsigned char address[16];
    return inet_pton(AF_INET, name, address) == 1 || inet_pton(AF_INET6, name, address) == 1;
}

SSL *tm_tls_handshake(const tm_tls *tls, int fd, const char *host, const char *port, tm_status *status) {
    const char *name = tls->server_name ? tls->server_name : host;
    SSL *ssl = SSL_new(tls->context);
    if (!ssl || SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        tm_set_status(status, TM_INTERNAL, "Out of memory");
        return NULL;
    }
    int named = is_ip_address(name)
                    ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1
                    : SSL_set_tlsext_host_name(ssl, name) == 1 && SSL_set1_host(ssl, name) == 1;
    if (!named) {
        SSL_free(ssl);
        tm_set_status(status, TM_INVALID_ARGUMENT, "Cannot verify the TLS server name '%s'", name);
        return NULL;
    }
    errno = 0;
    if (SSL_connect(ssl) == 1) {
        return ssl;
    }
    long verified = SSL_get_verify_result(ssl);
    char reason[256];
    last_error(reason, sizeof reason, errno ? strerror(errno) : "connection closed by the server");
    if (verified != X509_V_OK) {
        tm_set_status(status, TM_UNAVAILABLE,
                      "TLS handshake with %s:%s failed: certificate verify failed (verifying '%s'): %s",
                      host, port, name, X509_verify_cert_error_string(verified));
    } else {
        tm_set_status(status, TM_UNAVAILABLE, "TLS handshake with %s:%s failed (verifying '%s'): %s", host, port, name,
                      reason);
    }
    SSL_free(ssl);
    return NULL;
}

/*
 * OpenSSL writes to the socket with write(), which raises SIGPIPE on a connection the server closed: SIGPIPE is
 * blocked on this thread around each call, and one it raised is taken before unblocking.
 */
static void block_sigpipe(sigset_t *previous) {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, previous);
}

static void unblock_sigpipe(const sigset_t *previous) {
    sigset_t pipe, pending;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) && !sigismember(previous, SIGPIPE)) {
        struct timespec now = {0};
        int saved = errno;
        (void)sigtimedwait(&pipe, NULL, &now);
        errno = saved;
    }
    pthread_sigmask(SIG_SETMASK, previous, NULL);
}

/* The recv/send result of an SSL_read or SSL_write that returned `result`. */
static ssize_t io_result(SSL *ssl, int result, char *error, size_t error_size) {
    if (result > 0) {
        return result;
    }
    switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        return errno ? -1 : 0;
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        ERR_clear_error();
        errno = EAGAIN; /* the socket's timeout */
        return -1;
    default:
        last_error(error, error_size, "TLS error");
        errno = EPROTO;
        return -1;
    }
}

/* One SSL_write (`sending`) or SSL_read, without SIGPIPE. */
static ssize_t transfer(SSL *ssl, int sending, void *bytes, size_t length, char *error, size_t error_size) {
    sigset_t previous;
    block_sigpipe(&previous);
    errno = 0;
    int chunk = length > INT32_MAX ? INT32_MAX : (int)length;
    int result = sending ? SSL_write(ssl, bytes, chunk) : SSL_read(ssl, bytes, chunk);
    ssize_t moved = io_result(ssl, result, error, error_size);
    unblock_sigpipe(&previous);
    if (sending && moved == 0) {
        errno = EPIPE; /* a write cannot reach the end of the stream: the server closed the connection */
        return -1;
    }
    return moved;
}

ssize_t tm_tls_recv(SSL *ssl, void *bytes, size_t length, char *error, size_t error_size) {
    return transfer(ssl, 0, bytes, length, error, error_size);
}

ssize_t tm_tls_send(SSL *ssl, const void *bytes, size_t length, char *error, size_t error_size) {
    return transfer(ssl, 1, (void *)bytes, length, error, error_size);
}

void tm_tls_close(SSL *ssl) {
    if (!ssl) {
        return;
    }
    sigset_t previous;
    block_sigpipe(&previous);
    (void)SSL_shutdown(ssl);
    ERR_clear_error();
    unblock_sigpipe(&previous);
    SSL_free(ssl);
}
