<?php
// The smallest useful PHP worker: claims one example.echo task, reports 50 %, completes it.
// Usage: php minimal_worker.php   (server from TASKMANAGER_SERVER, default 127.0.0.1:7411)

declare(strict_types=1);

require __DIR__ . '/../autoload.php';

use TaskManager\Worker\WorkerClient;

$client = new WorkerClient(getenv('TASKMANAGER_SERVER') ?: '127.0.0.1:7411', 'minimal-php');

$task = $client->claimTask('example.echo');
if ($task === null) {
    fwrite(STDERR, "nothing to claim\n");
    exit(1);
}

$params = json_decode($task->getParamsJson(), true);
$client->updateProgress($task->getId(), 50, 'half way');
$client->completeTask($task->getId(), ['echoed' => $params['message']]);

echo $task->getId(), "\n";
exit(0);
