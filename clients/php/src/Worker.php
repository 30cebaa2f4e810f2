<?php

declare(strict_types=1);

namespace TaskManager\Worker;

use Taskmanager\V1\Task;

/**
 * The worker loop of clients/EXAMPLES.md: claim a task, run its handler, complete or fail it, and repeat.
 *
 * Logs go to standard error; the closing `processed=N failed=M` line goes to standard output. With the pcntl
 * extension, SIGTERM and SIGINT let the current task finish before the loop ends (a second signal ends the
 * process at once); without it, they end the process immediately.
 *
 * A claim waits on the server for a task (a long poll, in claims of at most 2 s so that a signal is noticed).
 * While a handler runs, the worker renews the lease with Heartbeat: on a timer (SIGALRM, whole seconds, every
 * third of the lease but at least 1 s) and before each progress report that comes after a third of the lease.
 * Every call about the task carries the claim's attempt. A cancel request or a lost lease throws TaskStopped in
 * the handler (from its progress callback, or from the timer while the handler waits in PHP code), so a
 * cancelled task ends cancelled and the result of a lost lease is dropped. PHP runs one thing at a time: a
 * handler that blocks in one C call (a long `sleep()`, a slow query) for longer than the lease gets no
 * heartbeat meanwhile; without pcntl there is no timer at all, and the handler must report progress within
 * the lease.
 */
final class Worker
{
    /** Exit status of a loop that ended as asked: idle, --max-runs reached, or a stop signal. */
    public const EXIT_OK = 0;
    /** Exit status after a failed start (health check, registration) or too many consecutive server errors. */
    public const EXIT_FAILURE = 1;

    private const MAX_CONSECUTIVE_ERRORS = 5;
    private const MAX_BACKOFF_SECONDS = 30.0;

    private bool $stopping = false;
    private int $processed = 0;
    private int $failed = 0;
    private int $consecutiveErrors = 0;
    private int $nextTypeIdIndex = 0;
    /** The claim whose handler runs: id, attempt, heartbeat interval, last beat, and whether to stop and why. */
    private ?array $claim = null;
    /** Set while a call is on the connection: the timer must not start another one in the middle of it. */
    private bool $inCall = false;
    /** Set while the handler runs: only then may the timer throw TaskStopped. */
    private bool $inHandler = false;
    private bool $haveTimer = false;
    /** This process's share of --max-runs (0 = no limit). */
    private int $runLimit;
    /** The pids of the worker processes of --concurrency, while the parent waits for them. */
    private array $children = [];

    private const MAX_CLAIM_WAIT_MS = 2000;
    /** Answers that say this worker no longer holds the task. */
    private const LOST_CLAIM_MESSAGES = ['Lease lost', 'Task is not in claimed state', 'Task is already finished'];

    /**
     * @param array<string, callable(array, callable(int, string): void): mixed> $handlers by task type name,
     *     e.g. Handlers::examples()
     * @param string $typePattern SQL LIKE pattern of the types to claim; unused when `$taskTypeIds` is given
     * @param list<int> $taskTypeIds type ids to claim, one ClaimTask per id in turn, instead of the pattern
     * @param float $pollInterval seconds to wait when nothing is claimable
     * @param int $maxRuns stop after handling this many tasks; 0 = no limit
     * @param bool $stopWhenIdle stop as soon as a claim finds nothing
     * @param string|null $taskTypesFile a task_types.json whose types are registered at start; null = none
     */
    public function __construct(
        private readonly WorkerClient $client,
        private readonly array $handlers,
        private readonly string $typePattern = 'example.%',
        private readonly array $taskTypeIds = [],
        private readonly float $pollInterval = 10.0,
        private readonly int $maxRuns = 0,
        private readonly bool $stopWhenIdle = false,
        private readonly ?string $taskTypesFile = null,
        private readonly int $waitMs = 20000,
    ) {
        if ($pollInterval < 0 || $maxRuns < 0) {
            throw new \InvalidArgumentException('The poll interval and the maximum number of runs must not be negative');
        }
        $this->runLimit = $maxRuns;
    }

    /**
     * Runs the loop until it ends, then prints the summary line.
     *
     * @return int EXIT_OK or EXIT_FAILURE
     */
    public function run(int $processes = 1): int
    {
        $status = $processes > 1 && function_exists('pcntl_fork') ? $this->runProcesses($processes) : $this->loop();
        fwrite(STDOUT, "processed={$this->processed} failed={$this->failed}\n");
        return $status;
    }

    /**
     * --concurrency: the start-up checks here, then `$processes` forked worker processes, each with its own
     * connection, its own share of --max-runs and its own heartbeats; a stop signal goes on to them all.
     */
    private function runProcesses(int $processes): int
    {
        $this->installSignalHandlers();
        $this->log("Starting $processes worker processes");
        if (!$this->checkHealth() || !$this->registerTaskTypes()) {
            return self::EXIT_FAILURE;
        }
        // The children must not share this process's socket: each opens its own on its first call.
        $this->client->close();
        $reports = [];
        for ($i = 0; $i < $processes; $i++) {
            [$parentEnd, $childEnd] = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
            $pid = pcntl_fork();
            if ($pid === 0) {
                fclose($parentEnd);
                $this->children = [];
                $share = $this->maxRuns === 0 ? 0 : intdiv($this->maxRuns, $processes) + ($i < $this->maxRuns % $processes ? 1 : 0);
                $status = $share === 0 && $this->maxRuns > 0 ? self::EXIT_OK : $this->claimLoop($share);
                fwrite($childEnd, "{$this->processed} {$this->failed}\n");
                fclose($childEnd);
                exit($status);
            }
            fclose($childEnd);
            if ($pid < 0) {
                $this->log('Cannot fork a worker process');
                fclose($parentEnd);
                continue;
            }
            $this->children[$pid] = true;
            $reports[$pid] = $parentEnd;
        }
        $status = self::EXIT_OK;
        while ($this->children !== []) {
            // Polled: a blocking wait is restarted after a signal, and the handler that passes it on would not run.
            $pid = pcntl_waitpid(-1, $childStatus, WNOHANG);
            if ($pid <= 0) {
                usleep(50_000);
                continue;
            }
            unset($this->children[$pid]);
            if (!pcntl_wifexited($childStatus) || pcntl_wexitstatus($childStatus) !== self::EXIT_OK) {
                $status = self::EXIT_FAILURE;
            }
            [$processed, $failed] = array_map('intval', explode(' ', trim((string) fgets($reports[$pid])) . ' 0 0'));
            fclose($reports[$pid]);
            $this->processed += $processed;
            $this->failed += $failed;
        }
        return $status;
    }

    /** Asks the loop to end once the current task is finished. */
    public function stop(): void
    {
        $this->stopping = true;
    }

    private function loop(): int
    {
        $this->installSignalHandlers();
        $this->log('Starting');
        if (!$this->checkHealth() || !$this->registerTaskTypes()) {
            return self::EXIT_FAILURE;
        }
        return $this->claimLoop($this->maxRuns);
    }

    /** Claims and runs tasks until stopped, idle (--stop-when-idle) or `$runLimit` tasks (0 = no limit). */
    private function claimLoop(int $runLimit): int
    {
        $this->runLimit = $runLimit;
        while (!$this->stopping && ($this->runLimit === 0 || $this->processed < $this->runLimit)) {
            try {
                $task = $this->claim();
            } catch (TaskManagerException $error) {
                if (!$this->recoverFrom('claim a task', $error)) {
                    return self::EXIT_FAILURE;
                }
                continue;
            }
            $this->consecutiveErrors = 0;
            if ($task === null) {
                if ($this->stopWhenIdle) {
                    $this->log('Nothing to claim: stopping');
                    break;
                }
                if (!$this->claimsWait()) {
                    $this->pause($this->pollInterval);
                }
                continue;
            }
            if (!$this->handle($task)) {
                return self::EXIT_FAILURE;
            }
        }
        $this->log($this->stopping ? 'Stopped on request' : 'Stopping');
        return self::EXIT_OK;
    }

    private function checkHealth(): bool
    {
        try {
            $health = $this->client->health();
        } catch (TaskManagerException $error) {
            $this->log('Health check failed: ' . $error->getMessage());
            return false;
        }
        if ($health->getStatus() !== 'healthy') {
            $this->log("Health check failed: server is {$health->getStatus()}, database {$health->getDatabase()}");
            return false;
        }
        $this->log("Server {$health->getVersion()} is healthy");
        return true;
    }

    private function registerTaskTypes(): bool
    {
        if ($this->taskTypesFile === null) {
            return true;
        }
        // Decoded as objects, not arrays, so that an empty JSON object in a schema stays `{}` when re-encoded.
        $types = json_decode((string) @file_get_contents($this->taskTypesFile), false);
        if (!is_array($types)) {
            $this->log("Cannot read the task types of {$this->taskTypesFile}");
            return false;
        }
        try {
            foreach ($types as $type) {
                $this->client->registerTaskType($type->name, $type->version, $type->param_schema);
            }
        } catch (TaskManagerException $error) {
            $this->log('Registering the task types failed: ' . $error->getMessage());
            return false;
        }
        $this->log('Registered ' . count($types) . ' task types');
        return true;
    }

    private function claimsWait(): bool
    {
        return $this->waitMs > 0 && !$this->stopWhenIdle && count($this->taskTypeIds) <= 1;
    }

    private function claim(): ?Task
    {
        $waitMs = $this->claimsWait() ? min($this->waitMs, self::MAX_CLAIM_WAIT_MS) : 0;
        if ($this->taskTypeIds === []) {
            return $this->client->claimTask($this->typePattern, 0, $waitMs);
        }
        // Each round starts after the id that was tried first last time, so that no type starves the others.
        foreach ($this->taskTypeIds as $ignored) {
            $typeId = $this->taskTypeIds[$this->nextTypeIdIndex];
            $this->nextTypeIdIndex = ($this->nextTypeIdIndex + 1) % count($this->taskTypeIds);
            $task = $this->client->claimTask(null, $typeId, $waitMs);
            if ($task !== null) {
                return $task;
            }
        }
        return null;
    }

    /**
     * Runs the handler of a claimed task and reports the outcome.
     *
     * @return bool false when the worker must give up (too many consecutive server errors)
     */
    private function handle(Task $task): bool
    {
        $id = $task->getId();
        $type = $task->getType();
        $attempt = $task->getAttempts();
        $this->processed++;
        $this->log("Claimed task $id ($type, attempt $attempt/{$task->getMaxAttempts()})");
        $leaseMs = $task->getLeaseExpiresAtMs() - $task->getClaimedAtMs();
        $interval = $leaseMs > 0 ? max($leaseMs / 3000, 0.1) : 10.0;
        $this->claim = ['id' => $id, 'attempt' => $attempt, 'interval' => $interval, 'lastBeat' => hrtime(true) / 1e9,
            'stop' => null];
        $error = null;
        $result = null;
        $this->armTimer();
        try {
            $handler = $this->handlers[$type] ?? throw new \RuntimeException("Unknown task type: $type");
            $params = json_decode($task->getParamsJson() ?: '{}', true, 512, JSON_THROW_ON_ERROR);
            $progress = fn (int $percent, string $message) => $this->reportProgress($id, $percent, $message);
            $this->inHandler = true;
            $result = $handler(is_array($params) ? $params : [], $progress);
        } catch (\Throwable $failure) {
            $error = $failure->getMessage();
        } finally {
            $this->inHandler = false;
            $this->disarmTimer();
        }
        $stop = $this->claim['stop'];
        $this->claim = null;
        try {
            if ($stop === 'lease lost') {
                $this->failed++;
                $this->log("Task $id: lease lost, its result is dropped");
                return true;
            }
            if ($error === null) {
                try {
                    $this->client->completeTask($id, $result, $attempt);
                    $this->log("Completed task $id");
                    return true;
                } catch (\JsonException $encoding) {
                    $error = 'Result is not encodable as JSON: ' . $encoding->getMessage();
                }
            }
            $this->failed++;
            if ($stop === 'cancelled') {
                $this->client->failTask($id, $this->cancelMessage($id), $attempt);
                $this->log("Cancelled task $id");
                return true;
            }
            $retried = $this->client->failTask($id, $error, $attempt)->getRetried();
            $this->log("Failed task $id: $error" . ($retried ? ' (will be retried)' : ''));
        } catch (TaskManagerException $reportError) {
            if ($error === null) {
                $this->failed++;
            }
            if (self::isLostClaim($reportError)) {
                $this->log("Task $id: {$reportError->getStatusMessage()}, its result is dropped");
                return true;
            }
            return $this->recoverFrom("report the outcome of task $id", $reportError);
        }
        return true;
    }

    /** The error a cancelled task is failed with: `Cancelled: <the reason given to CancelTask>`. */
    private function cancelMessage(int $id): string
    {
        try {
            $reason = $this->client->getTask($id)->getCancelReason();
        } catch (TaskManagerException) {
            $reason = '';
        }
        return $reason === '' ? 'Cancelled' : "Cancelled: $reason";
    }

    private function reportProgress(int $id, int $percent, string $message): void
    {
        if (hrtime(true) / 1e9 - $this->claim['lastBeat'] >= $this->claim['interval']) {
            $this->heartbeat();
        }
        $this->inCall = true;
        try {
            $response = $this->client->updateProgress($id, $percent, $message, $this->claim['attempt']);
            $this->claim['lastBeat'] = hrtime(true) / 1e9;
            if ($response->getCancelRequested()) {
                $this->claim['stop'] ??= 'cancelled';
            }
        } catch (TaskManagerException $error) {
            if (self::isLostClaim($error)) {
                $this->claim['stop'] = 'lease lost';
            }
            $this->log("Progress update of task $id failed (ignored): " . $error->getMessage());
        } finally {
            $this->inCall = false;
        }
        $this->throwIfStopped();
    }

    /** Renews the lease of the running task, and notes a cancel request or a lost lease. */
    private function heartbeat(): void
    {
        $this->inCall = true;
        try {
            $response = $this->client->heartbeat($this->claim['id'], $this->claim['attempt']);
            if ($response->getCancelRequested()) {
                $this->claim['stop'] ??= 'cancelled';
            }
        } catch (TaskManagerException $error) {
            if (self::isLostClaim($error)) {
                $this->claim['stop'] = 'lease lost';
            }
            $this->log("Heartbeat of task {$this->claim['id']} failed: " . $error->getMessage());
        } finally {
            $this->claim['lastBeat'] = hrtime(true) / 1e9;
            $this->inCall = false;
        }
    }

    private function throwIfStopped(): void
    {
        if ($this->inHandler && $this->claim !== null && $this->claim['stop'] !== null) {
            throw new TaskStopped($this->claim['stop']);
        }
    }

    private function armTimer(): void
    {
        if (!$this->haveTimer || $this->claim === null) {
            return;
        }
        pcntl_alarm(max(1, (int) floor($this->claim['interval'])));
    }

    private function disarmTimer(): void
    {
        if ($this->haveTimer) {
            pcntl_alarm(0);
        }
    }

    /** SIGALRM while a handler runs: a heartbeat unless a call is on the connection, then the next alarm. */
    private function onTimer(): void
    {
        if ($this->claim === null) {
            return;
        }
        if (!$this->inCall) {
            $this->heartbeat();
        }
        $this->armTimer();
        if (!$this->inCall) {
            $this->throwIfStopped();
        }
    }

    private static function isLostClaim(TaskManagerException $error): bool
    {
        return in_array($error->getCode(), [TaskManagerException::NOT_FOUND, TaskManagerException::PERMISSION_DENIED], true)
            || ($error->getCode() === TaskManagerException::FAILED_PRECONDITION
                && in_array($error->getStatusMessage(), self::LOST_CLAIM_MESSAGES, true));
    }

    /**
     * Counts a server error and waits before the next try.
     *
     * @return bool false when the errors reached the limit
     */
    private function recoverFrom(string $action, TaskManagerException $error): bool
    {
        $this->consecutiveErrors++;
        $this->log("Could not $action ({$this->consecutiveErrors}/" . self::MAX_CONSECUTIVE_ERRORS . '): ' . $error->getMessage());
        if ($this->consecutiveErrors >= self::MAX_CONSECUTIVE_ERRORS) {
            $this->log('Too many consecutive errors: giving up');
            return false;
        }
        $this->pause(min(2 * $this->pollInterval, self::MAX_BACKOFF_SECONDS));
        return true;
    }

    /** Waits, but wakes up early when a stop signal arrives. */
    private function pause(float $seconds): void
    {
        $deadline = hrtime(true) + (int) ($seconds * 1e9);
        while (!$this->stopping && ($left = $deadline - hrtime(true)) > 0) {
            usleep((int) min(intdiv($left, 1000), 100_000));
        }
    }

    private function installSignalHandlers(): void
    {
        if (!function_exists('pcntl_async_signals')) {
            $this->log('The pcntl extension is missing: SIGTERM and SIGINT will stop the worker without finishing the current task');
            return;
        }
        pcntl_async_signals(true);
        $onSignal = function (int $signal): void {
            $this->log(($signal === SIGINT ? 'SIGINT' : 'SIGTERM') . ': finishing the current task, then stopping');
            $this->stop();
            foreach (array_keys($this->children) as $child) {
                posix_kill($child, $signal);
            }
            // A second signal ends the process at once, as an impatient operator expects.
            pcntl_signal(SIGTERM, SIG_DFL);
            pcntl_signal(SIGINT, SIG_DFL);
        };
        pcntl_signal(SIGTERM, $onSignal);
        pcntl_signal(SIGINT, $onSignal);
        pcntl_signal(SIGALRM, fn () => $this->onTimer());
        $this->haveTimer = true;
    }

    private function log(string $message): void
    {
        fwrite(STDERR, gmdate('Y-m-d\TH:i:s\Z') . " {$this->client->getWorkerId()}: $message\n");
    }
}
