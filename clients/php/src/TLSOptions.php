<?php

declare(strict_types=1);

namespace TaskManager\Worker;

/**
 * How a Connection talks TLS to the server: which CA to trust, an optional client certificate (for a server with
 * mutual TLS) and the name the server's certificate must have. The server's certificate and name are always
 * verified; TLS 1.2 or 1.3.
 *
 * The same options as the Swift client and `taskmanager work`: --tls, --tls-ca, --tls-cert, --tls-key and
 * --tls-server-name, and their variables TASKMANAGER_TLS=1, TASKMANAGER_TLS_CA, TASKMANAGER_CLIENT_CERT,
 * TASKMANAGER_CLIENT_KEY and TASKMANAGER_TLS_SERVER_NAME (see `fromOptions`).
 */
final class TLSOptions
{
    /** The option names `fromOptions` reads: values, then the one flag. */
    public const VALUE_OPTIONS = ['tls-ca', 'tls-cert', 'tls-key', 'tls-server-name'];
    public const FLAG_OPTION = 'tls';

    /**
     * @param string|null $ca PEM file of the CA certificates to trust; null = the system's trust store
     * @param string|null $cert PEM file of the client certificate (mutual TLS); goes with `$key`
     * @param string|null $key PEM file of the client certificate's private key
     * @param string|null $serverName the name the server's certificate must be valid for (and the SNI sent);
     *     null = the host connected to (an IP address is checked against the certificate's IP addresses); never
     *     empty
     * @throws \InvalidArgumentException for a certificate without its key (or the reverse), or a file that
     *     cannot be read
     */
    public function __construct(
        public readonly ?string $ca = null,
        public readonly ?string $cert = null,
        public readonly ?string $key = null,
        public readonly ?string $serverName = null,
    ) {
        if (($cert === null) !== ($key === null)) {
            throw new \InvalidArgumentException('--tls-cert and --tls-key go together');
        }
        if ($serverName === '') {
            // An empty name would check no name at all.
            throw new \InvalidArgumentException('--tls-server-name must not be empty');
        }
        foreach (['CA' => $ca, 'certificate' => $cert, 'key' => $key] as $role => $path) {
            if ($path !== null && !is_readable($path)) {
                throw new \InvalidArgumentException("Cannot use TLS $role file $path: not a readable file");
            }
        }
    }

    /**
     * The TLS that worker options ask for (`--tls` and the values of VALUE_OPTIONS, then the variables); null
     * for plaintext. Any of --tls-ca, --tls-cert and --tls-server-name implies --tls.
     *
     * @param array<string, string|true> $options
     * @throws \InvalidArgumentException as the constructor
     */
    public static function fromOptions(array $options): ?self
    {
        $value = static fn (string $option, string $variable): ?string => $options[$option] ?? (getenv($variable) ?: null);
        $ca = $value('tls-ca', 'TASKMANAGER_TLS_CA');
        $cert = $value('tls-cert', 'TASKMANAGER_CLIENT_CERT');
        $key = $value('tls-key', 'TASKMANAGER_CLIENT_KEY');
        $serverName = $value('tls-server-name', 'TASKMANAGER_TLS_SERVER_NAME');
        $enabled = isset($options[self::FLAG_OPTION]) || self::environmentFlag('TASKMANAGER_TLS');
        if (!$enabled && $ca === null && $cert === null && $key === null && $serverName === null) {
            return null;
        }
        return new self($ca, $cert, $key, $serverName);
    }

    /**
     * A variable read as taskmanager reads its flags: 1/true/yes/on or 0/false/no/off.
     *
     * @throws \InvalidArgumentException for any other value
     */
    private static function environmentFlag(string $name): bool
    {
        $text = strtolower(trim((string) getenv($name)));
        return match ($text) {
            '1', 'true', 'yes', 'on' => true,
            '', '0', 'false', 'no', 'off' => false,
            default => throw new \InvalidArgumentException(
                "Invalid value '$text' in environment variable $name: expected 1/true or 0/false"),
        };
    }

    /**
     * Turns a connected TCP stream into a verified TLS stream, within the stream's timeout.
     *
     * @param resource $socket
     * @throws TaskManagerException UNAVAILABLE naming the cause when the handshake fails
     */
    public function handshake($socket, string $host, string $server): void
    {
        $name = $this->serverName ?? $host;
        $ssl = [
            'verify_peer' => true,
            'verify_peer_name' => true,
            'allow_self_signed' => false,
            'peer_name' => $name,
            'SNI_enabled' => filter_var($name, FILTER_VALIDATE_IP) === false,
        ];
        if ($this->ca !== null) {
            $ssl['cafile'] = $this->ca;
        }
        if ($this->cert !== null) {
            $ssl['local_cert'] = $this->cert;
            $ssl['local_pk'] = $this->key;
        }
        foreach ($ssl as $option => $value) {
            stream_context_set_option($socket, 'ssl', $option, $value);
        }
        // PHP reports why a handshake failed only as warnings: collect them for the exception.
        $warnings = [];
        set_error_handler(static function (int $level, string $message) use (&$warnings): bool {
            $warnings[] = preg_replace('/^stream_socket_enable_crypto\(\): /', '', $message);
            return true;
        });
        try {
            $done = stream_socket_enable_crypto(
                $socket, true, STREAM_CRYPTO_METHOD_TLSv1_2_CLIENT | STREAM_CRYPTO_METHOD_TLSv1_3_CLIENT);
        } finally {
            restore_error_handler();
        }
        if ($done !== true) {
            $reason = $warnings === [] ? 'no reason given' : str_replace("\n", ' ', implode('; ', $warnings));
            throw new TaskManagerException(
                TaskManagerException::UNAVAILABLE, "TLS handshake with $server failed (verifying '$name'): $reason");
        }
    }
}
