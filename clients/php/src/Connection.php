<?php

declare(strict_types=1);

namespace TaskManager\Worker;

use Google\Protobuf\Internal\Message;
use Taskmanager\Rpc\V1\ClientFrame;
use Taskmanager\Rpc\V1\Request;
use Taskmanager\Rpc\V1\Response;
use Taskmanager\Rpc\V1\ServerFrame;

/**
 * One TCP (or TLS) connection to a TaskManager server, making one call at a time (docs/protocol.md).
 *
 * Frames are a 4-byte big-endian length and one protobuf message. The connection opens on the first call and
 * opens again on the next call after it was lost or the server sent GoAway, so a caller recovers from a
 * server restart by simply retrying.
 */
final class Connection
{
    private const SERVICE = '/taskmanager.v1.TaskService/';

    /** Larger frames are refused; the server never sends more than its --max-frame-bytes (4 MiB by default). */
    private const MAX_FRAME_BYTES = 64 * 1024 * 1024;

    /** Extra time to wait after the deadline, so that the server's own DEADLINE_EXCEEDED answer can arrive. */
    private const DEADLINE_GRACE_SECONDS = 2.0;

    /** @var resource|null */
    private $socket = null;
    private int $lastCallId = 0;
    private bool $goingAway = false;

    /**
     * @param string $server "host:port"
     * @param string|null $apiKey sent as metadata x-api-key on every call
     * @param float $timeout seconds (> 0): the connect timeout (TLS handshake included) and each call's deadline
     *     (sent as timeout_ms)
     * @param TLSOptions|null $tls connect with TLS (every connection, reconnects too); null = plaintext
     * @throws \InvalidArgumentException when the timeout is not positive
     */
    public function __construct(
        private readonly string $server,
        private readonly ?string $apiKey = null,
        private readonly float $timeout = 10.0,
        private readonly ?TLSOptions $tls = null,
    ) {
        if (!($timeout > 0)) {
            throw new \InvalidArgumentException('The timeout must be greater than 0 seconds');
        }
    }

    public function __destruct()
    {
        $this->close();
    }

    /**
     * Calls one RPC and decodes its answer into `$response`.
     *
     * @template T of Message
     * @param string $rpc the method name, e.g. "GetTask"
     * @param T $response an empty message of the method's response type, filled and returned
     * @param float $extraSeconds added to the call's deadline (a long-poll claim waits on the server)
     * @return T
     * @throws TaskManagerException with the server's status, or UNAVAILABLE (connection problems) or
     *     DEADLINE_EXCEEDED (no answer in time)
     */
    public function call(string $rpc, Message $request, Message $response, float $extraSeconds = 0.0): Message
    {
        $socket = $this->open();
        $deadline = hrtime(true) / 1e9 + $this->timeout + $extraSeconds + self::DEADLINE_GRACE_SECONDS;
        $callId = ++$this->lastCallId;
        try {
            $this->write($socket, $this->frame($callId, $rpc, $request, $extraSeconds));
            $answer = $this->awaitResponse($socket, $callId, $deadline);
        } catch (TaskManagerException $error) {
            // A half-read frame would desynchronise the stream, so any failure ends this connection.
            $this->close();
            throw $error;
        } finally {
            if ($this->goingAway) {
                $this->close();
            }
        }
        $status = $answer->getStatus();
        if ($status !== null && $status->getCode() !== 0) {
            throw new TaskManagerException($status->getCode(), $status->getMessage());
        }
        $this->decode($response, $answer->getPayload(), "response of $rpc");
        return $response;
    }

    /** Closes the connection; the next call opens a new one. */
    public function close(): void
    {
        if ($this->socket !== null) {
            fclose($this->socket);
            $this->socket = null;
        }
        $this->goingAway = false;
    }

    /** @return resource */
    private function open()
    {
        if ($this->socket !== null) {
            return $this->socket;
        }
        $socket = @stream_socket_client("tcp://{$this->server}", $errno, $errstr, $this->timeout);
        if ($socket === false) {
            $reason = $errstr !== '' ? $errstr : 'error ' . $errno;
            throw new TaskManagerException(TaskManagerException::UNAVAILABLE, "Cannot connect to {$this->server}: $reason");
        }
        if ($this->tls !== null) {
            stream_set_timeout($socket, (int) $this->timeout, (int) (($this->timeout - (int) $this->timeout) * 1e6));
            try {
                $this->tls->handshake($socket, trim(substr($this->server, 0, (int) strrpos($this->server, ':')), '[]'), $this->server);
            } catch (TaskManagerException $error) {
                fclose($socket);
                throw $error;
            }
        }
        $this->socket = $socket;
        return $socket;
    }

    private function frame(int $callId, string $rpc, Message $request, float $extraSeconds): string
    {
        $call = new Request();
        $call->setCallId($callId);
        $call->setMethod(self::SERVICE . $rpc);
        $call->setPayload($request->serializeToString());
        $call->setTimeoutMs((int) min(ceil(($this->timeout + $extraSeconds) * 1000), 0xFFFFFFFF));
        if ($this->apiKey !== null && $this->apiKey !== '') {
            $call->setMetadata(['x-api-key' => $this->apiKey]);
        }
        $frame = new ClientFrame();
        $frame->setRequest($call);
        $body = $frame->serializeToString();
        return pack('N', strlen($body)) . $body;
    }

    /**
     * Reads frames until the final response of `$callId`. Pongs and responses to other calls (there are none
     * from this one-call-at-a-time client) are skipped.
     *
     * @param resource $socket
     */
    private function awaitResponse($socket, int $callId, float $deadline): Response
    {
        while (true) {
            $frame = new ServerFrame();
            $this->decode($frame, $this->readFrame($socket, $deadline), 'frame');
            if ($frame->hasGoAway()) {
                // Answers to calls already sent still arrive; only new calls must go to a new connection.
                $this->goingAway = true;
                continue;
            }
            if (!$frame->hasResponse()) {
                continue;
            }
            $response = $frame->getResponse();
            if ($response->getCallId() === 0) {
                // Our request frame itself was rejected, so no answer with our call id will come.
                $status = $response->getStatus();
                throw new TaskManagerException($status?->getCode() ?? 2, $status?->getMessage() ?? 'Request rejected');
            }
            if ($response->getCallId() === $callId && $response->getEndOfStream()) {
                return $response;
            }
        }
    }

    /** @param resource $socket */
    private function readFrame($socket, float $deadline): string
    {
        $header = $this->readExactly($socket, 4, $deadline);
        $length = unpack('N', $header)[1];
        // A TLS record starts with its content type (20 to 23), then major version 3.
        if ($this->tls === null && ord($header[0]) >= 0x14 && ord($header[0]) <= 0x17 && ord($header[1]) === 3) {
            throw new TaskManagerException(TaskManagerException::UNAVAILABLE,
                "The server at {$this->server} speaks TLS: connect with TLS (e.g. --tls or --tls-ca FILE)");
        }
        if ($length > self::MAX_FRAME_BYTES) {
            throw new TaskManagerException(TaskManagerException::INTERNAL, "Frame of $length bytes from the server exceeds the client limit");
        }
        return $this->readExactly($socket, $length, $deadline);
    }

    /** @param resource $socket */
    private function readExactly($socket, int $count, float $deadline): string
    {
        $data = '';
        while (strlen($data) < $count) {
            $remaining = $deadline - hrtime(true) / 1e9;
            if ($remaining <= 0) {
                throw $this->deadlineExceeded();
            }
            stream_set_timeout($socket, (int) $remaining, (int) (($remaining - (int) $remaining) * 1e6));
            error_clear_last();
            // Silenced: a TLS error (such as a client certificate the server refused) becomes the exception's text.
            $chunk = @fread($socket, $count - strlen($data));
            if ($chunk === false || $chunk === '') {
                if (stream_get_meta_data($socket)['timed_out']) {
                    throw $this->deadlineExceeded();
                }
                if (feof($socket)) {
                    $cause = error_get_last()['message'] ?? null;
                    throw new TaskManagerException(TaskManagerException::UNAVAILABLE, "Connection to {$this->server} closed by the server"
                        . ($cause === null ? '' : ': ' . str_replace("\n", ' ', preg_replace('/^fread\(\): /', '', $cause))));
                }
                continue;
            }
            $data .= $chunk;
        }
        return $data;
    }

    /** @param resource $socket */
    private function write($socket, string $bytes): void
    {
        while ($bytes !== '') {
            $written = @fwrite($socket, $bytes);
            if ($written === false || $written === 0) {
                throw new TaskManagerException(TaskManagerException::UNAVAILABLE, "Cannot send to {$this->server}: connection lost");
            }
            $bytes = substr($bytes, $written);
        }
    }

    private function decode(Message $message, string $bytes, string $what): void
    {
        try {
            $message->mergeFromString($bytes);
        } catch (\Exception $error) {
            throw new TaskManagerException(TaskManagerException::INTERNAL, "Undecodable $what from {$this->server}", $error);
        }
    }

    private function deadlineExceeded(): TaskManagerException
    {
        return new TaskManagerException(
            TaskManagerException::DEADLINE_EXCEEDED,
            sprintf('No answer from %s within %.1f s', $this->server, $this->timeout + self::DEADLINE_GRACE_SECONDS),
        );
    }
}
