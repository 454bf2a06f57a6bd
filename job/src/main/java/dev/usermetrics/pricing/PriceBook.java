package dev.usermetrics.pricing;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * An immutable set of model price definitions and Langfuse's matching rule: among the definitions
 * whose pattern matches the model, whose project is the observation's or global, and whose start
 * date is not after the observation's time, a project-specific one wins over a global one, then
 * the latest start date (a definition without one counts as the earliest), then the smallest id.
 */
public final class PriceBook {
    /** Most preferred first. */
    private static final Comparator<ModelPrice> PRECEDENCE = Comparator
            .comparing((ModelPrice p) -> p.projectId() == null)
            .thenComparing(p -> p.startNanos() == null ? Long.MIN_VALUE : p.startNanos(), Comparator.reverseOrder())
            .thenComparing(ModelPrice::id);

    public static final PriceBook EMPTY = new PriceBook(List.of());

    private final List<ModelPrice> definitions;

    public PriceBook(List<ModelPrice> definitions) {
        this.definitions = definitions.stream().sorted(PRECEDENCE).toList();
    }

    /** The definition that prices {@code model} of {@code projectId} at {@code timeNanos}, if any. */
    public Optional<ModelPrice> match(String projectId, String model, long timeNanos) {
        if (model == null) {
            return Optional.empty();
        }
        // Sorted by precedence, so the first applicable definition is the one.
        for (ModelPrice p : definitions) {
            if (p.applies(projectId, model, timeNanos)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public List<ModelPrice> definitions() {
        return definitions;
    }

    public int size() {
        return definitions.size();
    }
}
