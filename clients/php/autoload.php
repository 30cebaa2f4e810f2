<?php
/**
 * Class autoloader of the PHP TaskManager client (no Composer needed).
 *
 * Maps `TaskManager\Worker\` to src/, the generated `Taskmanager\` and `GPBMetadata\Taskmanager\` classes to
 * Generated/php, and the protobuf runtime (`Google\Protobuf\`, `GPBMetadata\Google\`) to the include path,
 * where Debian's php-google-protobuf installs it (/usr/share/php). When the protobuf C extension is loaded,
 * its classes already exist and the runtime is never looked up.
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    static $generated = null;
    $generated ??= dirname(__DIR__, 2) . '/Generated/php/';
    // Prefixes are compared case-sensitively: PHP class names are not, but `TaskManager\Worker\` (ours) and
    // `Taskmanager\` (generated) must not be confused.
    $roots = [
        'TaskManager\\Worker\\' => __DIR__ . '/src/',
        'Taskmanager\\' => $generated . 'Taskmanager/',
        'GPBMetadata\\Taskmanager\\' => $generated . 'GPBMetadata/Taskmanager/',
    ];
    foreach ($roots as $prefix => $directory) {
        if (str_starts_with($class, $prefix)) {
            $file = $directory . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
    if (str_starts_with($class, 'Google\\Protobuf\\') || str_starts_with($class, 'GPBMetadata\\Google\\')) {
        $file = stream_resolve_include_path(str_replace('\\', '/', $class) . '.php');
        if ($file !== false) {
            require $file;
        }
    }
});
