package dev.usermetrics.pricing;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * One model price definition as read from the {@code models} / {@code model_prices} tables, in
 * a form Flink can ship and checkpoint (a POJO: the broadcast price updates and the trace
 * stage's broadcast state). {@link PriceSnapshot#book()} compiles it into a {@link ModelPrice}.
 */
public class PriceDefinition {
    public String id;
    /** null: a global definition. */
    public String projectId;
    public String modelName;
    public String matchPattern;
    /** Valid from (epoch nanos); null: always. */
    public Long startNanos;
    public String unit;
    /** usage key → price per unit. */
    public Map<String, BigDecimal> prices = new HashMap<>();

    public PriceDefinition() {}

    public PriceDefinition(String id, String projectId, String modelName, String matchPattern, Long startNanos,
            String unit, Map<String, BigDecimal> prices) {
        this.id = id;
        this.projectId = projectId;
        this.modelName = modelName;
        this.matchPattern = matchPattern;
        this.startNanos = startNanos;
        this.unit = unit;
        this.prices = new HashMap<>(prices);
    }

    @Override
    public String toString() {
        return id + " (" + modelName + ", " + (projectId == null ? "global" : "project " + projectId) + ")";
    }
}
