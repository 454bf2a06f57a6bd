package dev.usermetrics.functions.state;

import dev.usermetrics.records.Metrics;
import java.io.IOException;
import java.math.BigDecimal;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The compact stored form of a {@link Metrics} (the user stage's buckets and, inside
 * {@link UserTotalsSerializer}, its totals): a flags byte for the reference fields that are
 * null, counts as variable-length integers, the maps key by key. The POJO form wrote every
 * long in 8 bytes and every map value with a null marker.
 */
final class MetricsCodec {
    private static final int USAGE = 1;
    private static final int USAGE_KEYS = 1 << 1;
    private static final int COST = 1 << 2;
    private static final int COST_KEYS = 1 << 3;
    private static final int TOTAL_COST = 1 << 4;
    private static final int CALCULATED = 1 << 5;

    private MetricsCodec() {}

    static void write(DataOutputView out, Metrics m) throws IOException {
        int flags = (m.usage != null ? USAGE : 0) | (m.usageKeyCount != null ? USAGE_KEYS : 0) | (m.cost != null ? COST : 0)
                | (m.costKeyCount != null ? COST_KEYS : 0) | (m.totalCost != null ? TOTAL_COST : 0)
                | (m.calculatedTotalCost != null ? CALCULATED : 0);
        out.writeByte(flags);
        StateIo.writeSigned(out, m.traces);
        StateIo.writeSigned(out, m.observations);
        StateIo.writeSigned(out, m.scores);
        StateIo.writeSigned(out, m.totalTokens);
        if (m.usage != null) {
            StateIo.writeLongMap(out, m.usage);
        }
        if (m.usageKeyCount != null) {
            StateIo.writeLongMap(out, m.usageKeyCount);
        }
        if (m.cost != null) {
            StateIo.writeDecimalMap(out, m.cost);
        }
        if (m.costKeyCount != null) {
            StateIo.writeLongMap(out, m.costKeyCount);
        }
        if (m.totalCost != null) {
            StateIo.writeDecimal(out, m.totalCost);
        }
        if (m.calculatedTotalCost != null) {
            StateIo.writeDecimal(out, m.calculatedTotalCost);
        }
    }

    static Metrics read(DataInputView in) throws IOException {
        int flags = in.readUnsignedByte();
        Metrics m = new Metrics();
        m.traces = StateIo.readSigned(in);
        m.observations = StateIo.readSigned(in);
        m.scores = StateIo.readSigned(in);
        m.totalTokens = StateIo.readSigned(in);
        m.usage = (flags & USAGE) != 0 ? StateIo.readLongMap(in) : null;
        m.usageKeyCount = (flags & USAGE_KEYS) != 0 ? StateIo.readLongMap(in) : null;
        m.cost = (flags & COST) != 0 ? StateIo.readDecimalMap(in) : null;
        m.costKeyCount = (flags & COST_KEYS) != 0 ? StateIo.readLongMap(in) : null;
        m.totalCost = (flags & TOTAL_COST) != 0 ? StateIo.readDecimal(in) : null;
        m.calculatedTotalCost = (flags & CALCULATED) != 0 ? StateIo.readDecimal(in) : null;
        return m;
    }

    /** A decimal field that may be null (the POJO form allowed it). */
    static void writeNullableDecimal(DataOutputView out, BigDecimal d) throws IOException {
        out.writeBoolean(d != null);
        if (d != null) {
            StateIo.writeDecimal(out, d);
        }
    }

    static BigDecimal readNullableDecimal(DataInputView in) throws IOException {
        return in.readBoolean() ? StateIo.readDecimal(in) : null;
    }

    /** A Long field that may be null, as a signed delta from base. */
    static void writeNullableTime(DataOutputView out, Long t, long base) throws IOException {
        out.writeBoolean(t != null);
        if (t != null) {
            StateIo.writeSigned(out, t - base);
        }
    }

    static Long readNullableTime(DataInputView in, long base) throws IOException {
        return in.readBoolean() ? base + StateIo.readSigned(in) : null;
    }
}
