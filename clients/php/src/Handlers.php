<?php

declare(strict_types=1);

namespace TaskManager\Worker;

/**
 * The handlers of the five example task types of clients/EXAMPLES.md.
 *
 * A handler takes the task's decoded parameters and a progress callback `fn(int $percent, string $message)`,
 * and returns the task's result (encoded as JSON) or throws; the exception message becomes the task's error.
 */
final class Handlers
{
    private const SLEEP_MAX_SECONDS = 60;
    private const SLEEP_MAX_STEPS = 100;

    /**
     * The example handlers by task type name.
     *
     * @return array<string, callable(array, callable(int, string): void): mixed>
     */
    public static function examples(): array
    {
        return [
            'example.echo' => self::echo(...),
            'example.uppercase' => self::uppercase(...),
            'example.math.add' => self::add(...),
            'example.sleep' => self::sleep(...),
            'example.error' => self::error(...),
        ];
    }

    /** `{"echoed": message}`. */
    public static function echo(array $params, callable $progress): array
    {
        return ['echoed' => self::string($params, 'message')];
    }

    /** `{"result": TEXT}`: ASCII a-z become A-Z, every other byte (so every non-ASCII character) is kept. */
    public static function uppercase(array $params, callable $progress): array
    {
        // strtr works on bytes, never on the locale, and UTF-8 continuation bytes are never ASCII letters.
        $text = self::string($params, 'text');
        return ['result' => strtr($text, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')];
    }

    /** `{"sum": a + b}`, an integer when both are integers (and the sum fits), a float otherwise. */
    public static function add(array $params, callable $progress): array
    {
        return ['sum' => self::number($params, 'a') + self::number($params, 'b')];
    }

    /**
     * Sleeps `seconds` in `steps` equal parts, reporting "Step i/steps" at floor(i*100/steps) % after each;
     * returns `{"slept": seconds, "steps": steps}`.
     */
    public static function sleep(array $params, callable $progress): array
    {
        $seconds = self::number($params, 'seconds');
        $steps = $params['steps'] ?? 4;
        if ($seconds < 0 || $seconds > self::SLEEP_MAX_SECONDS) {
            throw new \InvalidArgumentException('Parameter seconds must be between 0 and ' . self::SLEEP_MAX_SECONDS);
        }
        if (!is_int($steps) || $steps < 1 || $steps > self::SLEEP_MAX_STEPS) {
            throw new \InvalidArgumentException('Parameter steps must be an integer between 1 and ' . self::SLEEP_MAX_STEPS);
        }
        for ($i = 1; $i <= $steps; $i++) {
            self::sleepFully($seconds / $steps);
            $progress(intdiv($i * 100, $steps), "Step $i/$steps");
        }
        return ['slept' => $seconds, 'steps' => $steps];
    }

    /** Always throws "Example error: <message>" (default message "requested failure"). */
    public static function error(array $params, callable $progress): never
    {
        $message = $params['message'] ?? 'requested failure';
        throw new \RuntimeException('Example error: ' . (is_string($message) ? $message : json_encode($message)));
    }

    private static function string(array $params, string $name): string
    {
        if (!isset($params[$name]) || !is_string($params[$name])) {
            throw new \InvalidArgumentException("Parameter $name must be a string");
        }
        return $params[$name];
    }

    private static function number(array $params, string $name): int|float
    {
        if (!isset($params[$name]) || !(is_int($params[$name]) || is_float($params[$name]))) {
            throw new \InvalidArgumentException("Parameter $name must be a number");
        }
        return $params[$name];
    }

    /** Sleeps the whole time: usleep returns early when a signal arrives, and a stop request must not cut a task short. */
    private static function sleepFully(float $seconds): void
    {
        $deadline = hrtime(true) + (int) ($seconds * 1e9);
        while (($left = $deadline - hrtime(true)) > 0) {
            usleep(intdiv($left, 1000));
        }
    }
}
