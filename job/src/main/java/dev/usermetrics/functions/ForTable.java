package dev.usermetrics.functions;

import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.SinkTable;
import org.apache.flink.api.common.functions.FilterFunction;

/** Routes rows to the JDBC sink of their table. */
public class ForTable implements FilterFunction<MetricsRow> {
    private final SinkTable table;

    public ForTable(SinkTable table) {
        this.table = table;
    }

    @Override
    public boolean filter(MetricsRow row) {
        return row.table == table;
    }
}
