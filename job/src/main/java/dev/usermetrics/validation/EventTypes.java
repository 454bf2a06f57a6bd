package dev.usermetrics.validation;

import dev.usermetrics.records.EntityKind;
import java.util.Map;
import java.util.Optional;

/** The envelope {@code type}s the job accepts and what each one describes. */
public final class EventTypes {

    /** What the job does with an accepted type. */
    public enum Handling {
        TRACE,
        OBSERVATION,
        /** score-create: user feedback, counted for the user of its trace. */
        SCORE,
        /** Accepted and skipped (sdk-log). */
        IGNORED
    }

    private static final Map<String, Handling> TYPES = Map.ofEntries(
            Map.entry("trace-create", Handling.TRACE),
            Map.entry("span-create", Handling.OBSERVATION),
            Map.entry("generation-create", Handling.OBSERVATION),
            Map.entry("event-create", Handling.OBSERVATION),
            Map.entry("agent-create", Handling.OBSERVATION),
            Map.entry("tool-create", Handling.OBSERVATION),
            Map.entry("chain-create", Handling.OBSERVATION),
            Map.entry("retriever-create", Handling.OBSERVATION),
            Map.entry("evaluator-create", Handling.OBSERVATION),
            Map.entry("embedding-create", Handling.OBSERVATION),
            Map.entry("guardrail-create", Handling.OBSERVATION),
            Map.entry("span-update", Handling.OBSERVATION),
            Map.entry("generation-update", Handling.OBSERVATION),
            Map.entry("score-create", Handling.SCORE),
            Map.entry("sdk-log", Handling.IGNORED));

    private EventTypes() {}

    public static Optional<Handling> handling(String type) {
        return Optional.ofNullable(TYPES.get(type));
    }

    public static EntityKind entityKind(Handling h) {
        return switch (h) {
            case TRACE -> EntityKind.TRACE;
            case OBSERVATION -> EntityKind.OBSERVATION;
            case SCORE -> EntityKind.SCORE;
            case IGNORED -> throw new IllegalArgumentException("ignored events have no kind");
        };
    }
}
