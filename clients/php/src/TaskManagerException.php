<?php

declare(strict_types=1);

namespace TaskManager\Worker;

/**
 * A failed call: the gRPC status code the server answered (or the client chose, for connection problems and
 * timeouts) and its message.
 *
 * `getCode()` is the code number (5), `getCodeName()` its name ("NOT_FOUND"), `getStatusMessage()` the
 * server's text ("Task not found") and `getMessage()` both ("NOT_FOUND: Task not found").
 */
final class TaskManagerException extends \RuntimeException
{
    /** gRPC's status code names, indexed by code number. */
    public const CODE_NAMES = [
        'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
        'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
        'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
    ];

    public const DEADLINE_EXCEEDED = 4;
    public const NOT_FOUND = 5;
    public const PERMISSION_DENIED = 7;
    public const FAILED_PRECONDITION = 9;
    public const INTERNAL = 13;
    public const UNAVAILABLE = 14;

    private string $statusMessage;

    /**
     * @param int $code a gRPC status code number (0..16; other numbers are named "CODE_<n>")
     * @param string $statusMessage the message of the status, without the code name
     */
    public function __construct(int $code, string $statusMessage, ?\Throwable $previous = null)
    {
        $this->statusMessage = $statusMessage;
        parent::__construct(self::nameOf($code) . ': ' . $statusMessage, $code, $previous);
    }

    /** The name of the status code, e.g. "NOT_FOUND". */
    public function getCodeName(): string
    {
        return self::nameOf($this->getCode());
    }

    /** The status message alone, e.g. "Task not found". */
    public function getStatusMessage(): string
    {
        return $this->statusMessage;
    }

    /** Whether a retry may succeed (UNAVAILABLE or DEADLINE_EXCEEDED); re-read a task before repeating a write. */
    public function isTransient(): bool
    {
        return $this->getCode() === self::UNAVAILABLE || $this->getCode() === self::DEADLINE_EXCEEDED;
    }

    private static function nameOf(int $code): string
    {
        return self::CODE_NAMES[$code] ?? "CODE_$code";
    }
}
