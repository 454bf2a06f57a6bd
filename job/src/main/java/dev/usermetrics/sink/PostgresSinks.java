package dev.usermetrics.sink;

import dev.usermetrics.records.RejectedEvent;
import dev.usermetrics.pricing.PriceSnapshot;
import dev.usermetrics.pricing.PriceSource;
import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

/**
 * The job's Postgres endpoints: the metric rows' writer (PostgresRowSink, fed by LatestRowBuffer
 * with the rows of completed checkpoints), the Flink JDBC sink for rejected events
 * (at-least-once; inserts are idempotent), the model price source and the schema migration.
 */
public final class PostgresSinks implements Serializable {
    private final String url;
    private final String user;
    private final String password;
    private final String schema;

    public PostgresSinks(String url, String user, String password, String schema) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.schema = schema;
    }

    public String schema() {
        return schema;
    }

    /** Where the metric rows of completed checkpoints go (set-based upserts, one transaction per batch). */
    public RowSink.Factory rows() {
        return () -> new PostgresRowSink(url, user, password, schema); // serializable: RowSink.Factory is
    }

    /** retention: how long rejected events are kept (zero: forever; {@link RejectedRetention}). */
    public Sink<RejectedEvent> rejected(Duration retention) {
        return new CloseTolerantSink<>(JdbcSink.<RejectedEvent>builder()
                .withQueryStatement(SinkStatements.rejectedSql(schema), new SinkStatements.RejectedBinder())
                .withExecutionOptions(executionOptions())
                .buildAtLeastOnce(connectionOptions()), new RejectedRetention(url, user, password, schema, retention));
    }

    /** The model price updates read from this schema (see PriceSource). */
    public Source<PriceSnapshot, ?, ?> prices(Duration pollInterval, boolean once) {
        return PriceSource.polling(url, user, password, schema, pollInterval, once);
    }

    public void migrate() throws java.sql.SQLException {
        SchemaMigrator.migrate(url, user, password, schema);
    }

    private static JdbcExecutionOptions executionOptions() {
        return JdbcExecutionOptions.builder()
                .withBatchSize(2000)
                .withBatchIntervalMs(1000)
                .withMaxRetries(5)
                .build();
    }

    private JdbcConnectionOptions connectionOptions() {
        return new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                .withUrl(url)
                .withDriverName("org.postgresql.Driver")
                .withUsername(user)
                .withPassword(password)
                .build();
    }
}
