<?php

declare(strict_types=1);

namespace TaskManager\Worker;

/**
 * Thrown inside a handler (from its progress callback, or from the heartbeat timer while it sleeps) when its task
 * should stop: `reason` is "cancelled" (an operator cancelled it: the worker ends it cancelled) or "lease lost"
 * (the server gave it to another attempt: the worker drops the result).
 */
final class TaskStopped extends \RuntimeException
{
    public function __construct(public readonly string $reason)
    {
        parent::__construct("Task $reason");
    }
}
