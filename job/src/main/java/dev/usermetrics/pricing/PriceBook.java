package dev.usermetrics.pricing;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    static final int CACHED_MODELS = 10_000;

    private final List<ModelPrice> definitions;
    /** Used by one task thread only (each operator instance holds its own book). */
    private final Map<String, List<ModelPrice>> byModel = new HashMap<>();

    public PriceBook(List<ModelPrice> definitions) {
        this.definitions = definitions.stream().sorted(PRECEDENCE).toList();
    }

    /** The definition that prices {@code model} of {@code projectId} at {@code timeNanos}, if any. */
    public Optional<ModelPrice> match(String projectId, String model, long timeNanos) {
        if (model == null) {
            return Optional.empty();
        }
        // Sorted by precedence, so the first applicable definition is the one.
        for (ModelPrice p : candidates(model)) {
            if (p.appliesTo(projectId, timeNanos)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * The definitions whose pattern matches {@code model}, in precedence order, cached per model
     * name: each observation event is priced, and a real book has hundreds of patterns while a
     * project uses a handful of models. Bounded: cleared when it reaches {@link #CACHED_MODELS}.
     */
    private List<ModelPrice> candidates(String model) {
        List<ModelPrice> c = byModel.get(model);
        if (c == null) {
            c = definitions.stream().filter(p -> p.matchPattern().matcher(model).find()).toList();
            if (byModel.size() >= CACHED_MODELS) {
                byModel.clear();
            }
            byModel.put(model, c);
        }
        return c;
    }


    public int size() {
        return definitions.size();
    }
}
