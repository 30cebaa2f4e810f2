<?php
/**
 * The PHP example worker: `php worker.php [options]`, with the common options of clients/EXAMPLES.md.
 * Exit status: 0 when the loop ended as asked, 1 after a failed start or too many server errors, 2 for a
 * bad command line.
 */

declare(strict_types=1);

require __DIR__ . '/autoload.php';

use TaskManager\Worker\Handlers;
use TaskManager\Worker\TLSOptions;
use TaskManager\Worker\Worker;
use TaskManager\Worker\WorkerClient;

const USAGE = <<<'TEXT'
Usage: php worker.php [options]

  --server HOST:PORT        default 127.0.0.1:7411, or env TASKMANAGER_SERVER
  --api-key KEY             sent as metadata x-api-key; or env TASKMANAGER_API_KEY
  --worker-id ID            default php-worker-<hostname>-<pid>
  --type-pattern PATTERN    SQL LIKE on the type name; default "example.%"
  --task-type-ids 1,2,3     claim these type ids (one ClaimTask per id, in turn) instead of the pattern
  --poll-interval SECONDS   sleep when there is nothing to claim and claims do not wait; default 10
  --wait-ms MS              how long a claim waits on the server for a task (long poll); default 20000
  --concurrency N           run N worker processes, one task each at a time; default 1
  --max-runs N              stop after handling N tasks (completed or failed); 0 = no limit (default)
  --stop-when-idle          exit as soon as a claim finds nothing
  --no-register             do not register the example task types at start
  --tls                     connect with TLS, trusting the system's CAs unless --tls-ca; or env TASKMANAGER_TLS=1
  --tls-ca FILE             PEM CA to trust for the server's certificate; implies --tls; or env TASKMANAGER_TLS_CA
  --tls-cert FILE           PEM client certificate, for a server with mutual TLS; implies --tls;
                            or env TASKMANAGER_CLIENT_CERT
  --tls-key FILE            PEM key of --tls-cert; or env TASKMANAGER_CLIENT_KEY
  --tls-server-name NAME    name the server's certificate must have, instead of the host of --server;
                            implies --tls; or env TASKMANAGER_TLS_SERVER_NAME
  --help                    show this help

TEXT;

const VALUE_OPTIONS = ['server', 'api-key', 'worker-id', 'type-pattern', 'task-type-ids', 'poll-interval', 'max-runs',
    'wait-ms', 'concurrency', ...TLSOptions::VALUE_OPTIONS];
const FLAG_OPTIONS = ['stop-when-idle', 'no-register', 'help', TLSOptions::FLAG_OPTION];

/**
 * Parses `--name value`, `--name=value` and `--flag` arguments.
 *
 * @param list<string> $arguments the command line without the script name
 * @return array<string, string|true> option values by name (true for flags)
 * @throws InvalidArgumentException for an unknown option, a missing value or a stray argument
 */
function parseOptions(array $arguments): array
{
    $options = [];
    for ($i = 0; $i < count($arguments); $i++) {
        $argument = $arguments[$i];
        if ($argument === '-h') {
            $argument = '--help';
        }
        if (!str_starts_with($argument, '--')) {
            throw new InvalidArgumentException("unexpected argument '$argument'");
        }
        [$name, $value] = array_pad(explode('=', substr($argument, 2), 2), 2, null);
        if (in_array($name, FLAG_OPTIONS, true)) {
            if ($value !== null) {
                throw new InvalidArgumentException("--$name takes no value");
            }
            $options[$name] = true;
        } elseif (in_array($name, VALUE_OPTIONS, true)) {
            if ($value === null) {
                $value = $arguments[++$i] ?? throw new InvalidArgumentException("--$name needs a value");
                if (str_starts_with($value, '--')) {
                    throw new InvalidArgumentException("--$name needs a value (write --$name=$value if that is it)");
                }
            }
            $options[$name] = $value;
        } else {
            throw new InvalidArgumentException("unknown option --$name");
        }
    }
    return $options;
}

/**
 * Builds the worker the options ask for.
 *
 * @param array<string, string|true> $options
 * @throws InvalidArgumentException for an invalid option value
 */
function buildWorker(array $options): Worker
{
    $server = $options['server'] ?? (getenv('TASKMANAGER_SERVER') ?: '127.0.0.1:7411');
    $apiKey = $options['api-key'] ?? (getenv('TASKMANAGER_API_KEY') ?: null);
    $workerId = $options['worker-id'] ?? sprintf('php-worker-%s-%d', gethostname(), getmypid());
    $pollInterval = $options['poll-interval'] ?? '10';
    if (!is_numeric($pollInterval) || (float) $pollInterval < 0 || !is_finite((float) $pollInterval)) {
        throw new InvalidArgumentException("--poll-interval must be a number of seconds, not '$pollInterval'");
    }
    $maxRuns = $options['max-runs'] ?? '0';
    if (!ctype_digit($maxRuns)) {
        throw new InvalidArgumentException("--max-runs must be a whole number, not '$maxRuns'");
    }
    $waitMs = $options['wait-ms'] ?? '20000';
    if (!ctype_digit($waitMs) || (int) $waitMs > 30000) {
        throw new InvalidArgumentException("--wait-ms must be a whole number of milliseconds up to 30000, not '$waitMs'");
    }
    $typeIds = [];
    if (isset($options['task-type-ids'])) {
        foreach (explode(',', $options['task-type-ids']) as $typeId) {
            $typeId = trim($typeId);
            if (!ctype_digit($typeId) || (int) $typeId === 0) {
                throw new InvalidArgumentException("--task-type-ids must be positive integers separated by commas");
            }
            $typeIds[] = (int) $typeId;
        }
    }
    $typePattern = $options['type-pattern'] ?? 'example.%';
    if ($typeIds === [] && trim($typePattern) === '') {
        throw new InvalidArgumentException('--type-pattern must not be empty');
    }
    return new Worker(
        client: new WorkerClient($server, $workerId, $apiKey, tls: TLSOptions::fromOptions($options)),
        handlers: Handlers::examples(),
        typePattern: $typePattern,
        taskTypeIds: $typeIds,
        pollInterval: (float) $pollInterval,
        maxRuns: (int) $maxRuns,
        stopWhenIdle: isset($options['stop-when-idle']),
        taskTypesFile: isset($options['no-register']) ? null : dirname(__DIR__) . '/examples/task_types.json',
        waitMs: (int) $waitMs,
    );
}

// PHP's own warnings must never mix with the summary line on standard output.
ini_set('display_errors', 'stderr');

try {
    $options = parseOptions(array_slice($argv, 1));
    if (isset($options['help'])) {
        echo USAGE;
        exit(0);
    }
    $worker = buildWorker($options);
    $concurrency = $options['concurrency'] ?? '1';
    if (!ctype_digit($concurrency) || (int) $concurrency < 1 || (int) $concurrency > 1000) {
        throw new InvalidArgumentException("--concurrency must be a whole number from 1 to 1000, not '$concurrency'");
    }
} catch (InvalidArgumentException $error) {
    fwrite(STDERR, "worker.php: {$error->getMessage()}\n\n" . USAGE);
    exit(2);
}
exit($worker->run((int) $concurrency));
