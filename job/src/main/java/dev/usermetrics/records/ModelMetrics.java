package dev.usermetrics.records;

import java.math.BigDecimal;

/**
 * What the observations of one model add up to (a row of user_model_metrics_daily, the shape of
 * Langfuse's daily usage per model). Every field is a sum over observations, so signed deltas
 * (retract old, add new) keep it exact.
 */
public class ModelMetrics {
    public long observations;
    public long inputTokens;
    public long outputTokens;
    public long totalTokens;
    public BigDecimal inputCost = BigDecimal.ZERO;
    public BigDecimal outputCost = BigDecimal.ZERO;
    public BigDecimal totalCost = BigDecimal.ZERO;
    /** The part of totalCost computed from model prices. */
    public BigDecimal calculatedTotalCost = BigDecimal.ZERO;
    /**
     * Observations with usage, no provided cost and a model that no price definition matches:
     * the exact count behind the unmatched_models view.
     */
    public long unpricedObservations;
    /**
     * Traces with at least one observation here (Langfuse's {@code usage[].countTraces}): a trace
     * stage contribution of +1 / -1 when a trace enters or leaves the (day, model), not a sum over
     * observations (ModelDays).
     */
    public long traces;

    public ModelMetrics() {}

    /** The breakdown of one observation's contribution; {@code unpriced}: see unpricedObservations. */
    public static ModelMetrics of(Metrics observation, boolean unpriced) {
        ModelMetrics m = new ModelMetrics();
        m.observations = observation.observations;
        m.inputTokens = Metrics.tokensContaining(observation.usage, "input");
        m.outputTokens = Metrics.tokensContaining(observation.usage, "output");
        m.totalTokens = observation.totalTokens;
        m.inputCost = Metrics.costContaining(observation.cost, "input");
        m.outputCost = Metrics.costContaining(observation.cost, "output");
        m.totalCost = observation.totalCost;
        m.calculatedTotalCost = observation.calculatedTotalCost;
        m.unpricedObservations = unpriced ? 1 : 0;
        return m;
    }

    /** this += sign * other. */
    public void add(ModelMetrics o, int sign) {
        observations += sign * o.observations;
        inputTokens = Counts.plus(inputTokens, sign * o.inputTokens);
        outputTokens = Counts.plus(outputTokens, sign * o.outputTokens);
        totalTokens = Counts.plus(totalTokens, sign * o.totalTokens);
        inputCost = sign > 0 ? inputCost.add(o.inputCost) : inputCost.subtract(o.inputCost);
        outputCost = sign > 0 ? outputCost.add(o.outputCost) : outputCost.subtract(o.outputCost);
        totalCost = sign > 0 ? totalCost.add(o.totalCost) : totalCost.subtract(o.totalCost);
        calculatedTotalCost = sign > 0 ? calculatedTotalCost.add(o.calculatedTotalCost)
                : calculatedTotalCost.subtract(o.calculatedTotalCost);
        unpricedObservations += sign * o.unpricedObservations;
        traces += sign * o.traces;
    }

    /** True when the row counts nothing (no observation) and is deleted (MetricsRow.isDelete). */
    public boolean isEmpty() {
        return observations == 0;
    }

    /** True when adding this changes nothing. */
    public boolean isZero() {
        return observations == 0 && inputTokens == 0 && outputTokens == 0 && totalTokens == 0
                && inputCost.signum() == 0 && outputCost.signum() == 0 && totalCost.signum() == 0
                && calculatedTotalCost.signum() == 0 && unpricedObservations == 0 && traces == 0;
    }

    @Override
    public String toString() {
        return "ModelMetrics{obs=" + observations + ", in=" + inputTokens + ", out=" + outputTokens
                + ", total=" + totalTokens + ", cost=" + totalCost
                + ", calculated=" + calculatedTotalCost + ", unpriced=" + unpricedObservations + ", traces=" + traces + "}";
    }
}
