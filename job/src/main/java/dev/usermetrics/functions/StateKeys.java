package dev.usermetrics.functions;

/**
 * The string keys of the user stage's MapStates. Environments match [a-z0-9_-]+ (no '/'),
 * numbers have no '/', and score names cannot contain U+0000, so every key splits back
 * unambiguously.
 */
final class StateKeys {
    private StateKeys() {}

    static String bucket(long startMillis, String env) {
        return startMillis + "/" + env;
    }

    /** The bucket start of a {@link #bucket} or {@link #modelDay} key. */
    static long bucketStart(String key) {
        return Long.parseLong(key.substring(0, key.indexOf('/')));
    }

    /** The environment of a {@link #bucket} or {@link #modelDay} key (environments have no '/'). */
    static String bucketEnvironment(String key) {
        int first = key.indexOf('/');
        int second = key.indexOf('/', first + 1);
        return second < 0 ? key.substring(first + 1) : key.substring(first + 1, second);
    }

    /** The model of a {@link #modelDay} key (it may contain '/': everything after the environment). */
    static String modelOf(String key) {
        int first = key.indexOf('/');
        return key.substring(key.indexOf('/', first + 1) + 1);
    }

    static String modelDay(long dayMillis, String env, String model) {
        return dayMillis + "/" + env + "/" + model;
    }

    static String traceTime(long timeNanos, String env) {
        return timeNanos + "/" + env;
    }

    static long traceTimeOf(String key) {
        return Long.parseLong(key.substring(0, key.indexOf('/')));
    }

    static String traceTimeEnvironment(String key) {
        return key.substring(key.indexOf('/') + 1);
    }

    /** A session of the user in an environment ("" = over all environments). */
    static String session(String env, String sessionId) {
        return env + "/" + sessionId;
    }

    static String scoreTimePrefix(String scoreKey) {
        return scoreKey + "\u0000";
    }

    static String scoreTime(String scoreKey, long timeNanos) {
        return scoreTimePrefix(scoreKey) + timeNanos;
    }

    /** The score key of a {@link #scoreTime} key (score names cannot contain U+0000). */
    static String scoreKeyOf(String scoreTimeKey) {
        return scoreTimeKey.substring(0, scoreTimeKey.lastIndexOf('\u0000'));
    }

    static long scoreTimeOf(String scoreTimeKey) {
        return Long.parseLong(scoreTimeKey.substring(scoreTimeKey.lastIndexOf('\u0000') + 1));
    }
}
