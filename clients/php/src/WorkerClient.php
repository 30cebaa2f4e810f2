<?php

declare(strict_types=1);

namespace TaskManager\Worker;

use Taskmanager\V1\ClaimTaskRequest;
use Taskmanager\V1\ClaimTaskResponse;
use Taskmanager\V1\CompleteTaskRequest;
use Taskmanager\V1\CompleteTaskResponse;
use Taskmanager\V1\CreateTaskRequest;
use Taskmanager\V1\CreateTaskResponse;
use Taskmanager\V1\FailTaskRequest;
use Taskmanager\V1\FailTaskResponse;
use Taskmanager\V1\GetTaskHistoryRequest;
use Taskmanager\V1\GetTaskHistoryResponse;
use Taskmanager\V1\GetTaskRequest;
use Taskmanager\V1\HealthRequest;
use Taskmanager\V1\HealthResponse;
use Taskmanager\V1\HeartbeatRequest;
use Taskmanager\V1\HeartbeatResponse;
use Taskmanager\V1\HistoryEntry;
use Taskmanager\V1\ListTasksRequest;
use Taskmanager\V1\ListTasksResponse;
use Taskmanager\V1\RegisterTaskTypeRequest;
use Taskmanager\V1\RegisterTaskTypeResponse;
use Taskmanager\V1\Task;
use Taskmanager\V1\TaskStatus;
use Taskmanager\V1\UpdateProgressRequest;
use Taskmanager\V1\UpdateProgressResponse;

/**
 * The TaskManager service as a worker uses it: calls are made one at a time on one connection, as `$workerId`.
 *
 * Every method throws TaskManagerException when the call fails (see docs/protocol.md for the codes and
 * messages). JSON arguments (`$params`, `$result`, `$schema`) may be a string, sent as is, or any other value,
 * which is JSON-encoded; use objects (`(object) []`, `stdClass`) where an empty JSON object is meant inside them.
 */
final class WorkerClient
{
    private const JSON_FLAGS = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION
        | JSON_THROW_ON_ERROR;

    private Connection $connection;

    /**
     * @param string $server "host:port" of the server, e.g. "127.0.0.1:7411"
     * @param string $workerId identifies this worker's claims
     * @param string|null $apiKey the server's API key, if it has one
     * @param float $timeout seconds allowed for connecting and for each call
     * @param TLSOptions|null $tls connect with TLS; null = plaintext
     */
    public function __construct(
        string $server,
        private readonly string $workerId,
        ?string $apiKey = null,
        float $timeout = 10.0,
        ?TLSOptions $tls = null,
    ) {
        $this->connection = new Connection($server, $apiKey, $timeout, $tls);
    }

    /** The worker id given to the constructor. */
    public function getWorkerId(): string
    {
        return $this->workerId;
    }

    /** The server's health: `getStatus()` is "healthy" when its database answers. */
    public function health(): HealthResponse
    {
        return $this->connection->call('Health', new HealthRequest(), new HealthResponse());
    }

    /**
     * Claims the next task of a type matching `$typePattern` (SQL LIKE, e.g. "example.%") and/or of type id
     * `$taskTypeId`; at least one of them is required.
     *
     * @return Task|null the claimed task, or null when nothing is claimable
     */
    public function claimTask(?string $typePattern = null, int $taskTypeId = 0, int $waitMs = 0): ?Task
    {
        $request = new ClaimTaskRequest();
        $request->setWorkerId($this->workerId);
        $request->setTypePattern($typePattern ?? '');
        $request->setTaskTypeId($taskTypeId);
        $request->setWaitMs($waitMs);
        $response = $this->connection->call('ClaimTask', $request, new ClaimTaskResponse(), $waitMs / 1000);
        return $response->hasTask() ? $response->getTask() : null;
    }

    /** Reports the progress (0..100) of a task this worker holds, with an optional message. */
    public function updateProgress(int $id, int $progress, ?string $message = null, int $attempt = 0): UpdateProgressResponse
    {
        $request = new UpdateProgressRequest();
        $request->setId($id);
        $request->setWorkerId($this->workerId);
        $request->setProgress($progress);
        $request->setMessage($message ?? '');
        $request->setAttempt($attempt);
        return $this->connection->call('UpdateProgress', $request, new UpdateProgressResponse());
    }

    /**
     * Renews the lease of a task this worker holds; `getCancelRequested()` says whether it should stop. With
     * the claim's `$attempt`, a lease that was lost gets FAILED_PRECONDITION "Lease lost".
     */
    public function heartbeat(int $id, int $attempt = 0): HeartbeatResponse
    {
        $request = new HeartbeatRequest();
        $request->setId($id);
        $request->setWorkerId($this->workerId);
        $request->setAttempt($attempt);
        return $this->connection->call('Heartbeat', $request, new HeartbeatResponse());
    }

    /**
     * Completes a task this worker holds.
     *
     * @param mixed $result the result: JSON text, a value to encode as JSON, or null for none
     */
    public function completeTask(int $id, mixed $result, int $attempt = 0): CompleteTaskResponse
    {
        $request = new CompleteTaskRequest();
        $request->setId($id);
        $request->setWorkerId($this->workerId);
        $request->setResultJson($result === null ? '' : self::json($result));
        $request->setAttempt($attempt);
        return $this->connection->call('CompleteTask', $request, new CompleteTaskResponse());
    }

    /** Fails an attempt of a task this worker holds; `getRetried()` tells whether the task will run again. */
    public function failTask(int $id, string $error, int $attempt = 0): FailTaskResponse
    {
        $request = new FailTaskRequest();
        $request->setId($id);
        $request->setWorkerId($this->workerId);
        $request->setError($error);
        $request->setAttempt($attempt);
        return $this->connection->call('FailTask', $request, new FailTaskResponse());
    }

    /** The task with this id (NOT_FOUND "Task not found" if there is none). */
    public function getTask(int $id): Task
    {
        return $this->connection->call('GetTask', new GetTaskRequest(['id' => $id]), new Task());
    }

    /**
     * One page of tasks, newest first.
     *
     * @param array{status?: int|string, type?: string, claimed_by?: string, limit?: int, offset?: int} $filters
     *     `status` is a TaskStatus number or a name ("pending", "claimed", "completed", "failed"); `type` is
     *     an exact name or a LIKE pattern with `%`; `limit` 0 means 50
     * @throws \InvalidArgumentException for an unknown filter or status name
     */
    public function listTasks(array $filters = []): ListTasksResponse
    {
        $unknown = array_diff(array_keys($filters), ['status', 'type', 'claimed_by', 'limit', 'offset']);
        if ($unknown !== []) {
            throw new \InvalidArgumentException('Unknown task filter: ' . implode(', ', $unknown));
        }
        $request = new ListTasksRequest();
        $request->setStatus(self::status($filters['status'] ?? 0));
        $request->setType($filters['type'] ?? '');
        $request->setClaimedBy($filters['claimed_by'] ?? '');
        $request->setLimit($filters['limit'] ?? 0);
        $request->setOffset($filters['offset'] ?? 0);
        return $this->connection->call('ListTasks', $request, new ListTasksResponse());
    }

    /**
     * Creates a task, or returns the identical one that exists already (`getDeduplicated()`).
     *
     * @param mixed $params a JSON object: JSON text, or a value to encode (an empty array counts as `{}`)
     * @param int $maxAttempts 0 = the server's default
     * @param string $dedupeKey "" = computed by the server from the type and the parameters
     */
    public function createTask(string $type, mixed $params, int $priority = 0, int $maxAttempts = 0, string $dedupeKey = ''): CreateTaskResponse
    {
        $request = new CreateTaskRequest();
        $request->setType($type);
        $request->setParamsJson($params === null || $params === [] ? '{}' : self::json($params));
        $request->setPriority($priority);
        $request->setMaxAttempts($maxAttempts);
        $request->setDedupeKey($dedupeKey);
        return $this->connection->call('CreateTask', $request, new CreateTaskResponse());
    }

    /**
     * Registers a task type, or updates (and re-activates) the type of that name.
     *
     * @param mixed $schema the parameter schema, a JSON object with a "type": JSON text or a value to encode
     */
    public function registerTaskType(string $name, string $version, mixed $schema): RegisterTaskTypeResponse
    {
        $request = new RegisterTaskTypeRequest();
        $request->setName($name);
        $request->setVersion($version);
        $request->setParamSchemaJson(self::json($schema));
        return $this->connection->call('RegisterTaskType', $request, new RegisterTaskTypeResponse());
    }

    /**
     * The history of a task, oldest first.
     *
     * @return list<HistoryEntry>
     */
    public function getTaskHistory(int $id): array
    {
        $request = new GetTaskHistoryRequest(['task_id' => $id]);
        $response = $this->connection->call('GetTaskHistory', $request, new GetTaskHistoryResponse());
        return iterator_to_array($response->getEntries(), false);
    }

    /** Closes the connection; a later call opens a new one. */
    public function close(): void
    {
        $this->connection->close();
    }

    private static function json(mixed $value): string
    {
        return is_string($value) ? $value : json_encode($value, self::JSON_FLAGS);
    }

    private static function status(int|string $status): int
    {
        if (is_int($status)) {
            return $status;
        }
        return match (strtolower($status)) {
            'pending' => TaskStatus::TASK_STATUS_PENDING,
            'claimed' => TaskStatus::TASK_STATUS_CLAIMED,
            'completed' => TaskStatus::TASK_STATUS_COMPLETED,
            'failed' => TaskStatus::TASK_STATUS_FAILED,
            default => throw new \InvalidArgumentException("Unknown task status: $status"),
        };
    }
}
