/*
 * The TLS half of taskmanager.c (not part of the client's interface): OpenSSL handshakes and record I/O.
 */
#ifndef TASKMANAGER_TLS_H
#define TASKMANAGER_TLS_H

#include <sys/types.h>

#include <openssl/ssl.h>

#include "taskmanager.h"

/* Sets `status` to `code` and the printf-style message (defined in taskmanager.c). */
void tm_set_status(tm_status *status, int code, const char *format, ...);

/*
 * A verified TLS handshake over the connected socket `fd` (which stays the caller's to close). Returns NULL with
 * TM_UNAVAILABLE in `status` naming the cause, e.g. "certificate verify failed (verifying '127.0.0.1'): ...".
 */
SSL *tm_tls_handshake(const tm_tls *tls, int fd, const char *host, const char *port, tm_status *status);

/*
 * As recv and send (bytes moved; 0 at the end of the stream; -1 with errno), without SIGPIPE; a TLS-level failure
 * is -1 with errno EPROTO and its description in `error`.
 */
ssize_t tm_tls_recv(SSL *ssl, void *bytes, size_t length, char *error, size_t error_size);
ssize_t tm_tls_send(SSL *ssl, const void *bytes, size_t length, char *error, size_t error_size);

/* Sends close_notify (best effort, without SIGPIPE) and frees `ssl`. NULL is allowed. */
void tm_tls_close(SSL *ssl);

#endif
