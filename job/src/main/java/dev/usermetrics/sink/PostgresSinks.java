package dev.usermetrics.sink;

import dev.usermetrics.records.MetricsRow;
import dev.usermetrics.records.RejectedEvent;
import dev.usermetrics.records.SinkTable;
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
 * Builds the Flink JDBC sinks (at-least-once; exact because rows are absolute upserts). The
 * sinks flush on every checkpoint, so restarts replay at most the rows since the last one.
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

    public Sink<MetricsRow> metrics(SinkTable table) {
        String sql = switch (table) {
            case USER_METRICS -> SinkStatements.userMetricsSql(schema);
            case USER_METRICS_ENV -> SinkStatements.userMetricsEnvSql(schema);
            case USER_METRICS_HOURLY -> SinkStatements.bucketSql(schema, "user_metrics_hourly");
            case USER_METRICS_DAILY -> SinkStatements.bucketSql(schema, "user_metrics_daily");
            case USER_MODEL_METRICS_DAILY -> SinkStatements.modelDailySql(schema);
            case USER_SCORES -> SinkStatements.scoresSql(schema);
            case PROJECT_USERS -> SinkStatements.projectUsersSql(schema);
        };
        JdbcStatementBuilder<MetricsRow> binder = switch (table) {
            case USER_METRICS, USER_METRICS_ENV -> new SinkStatements.UserMetricsBinder();
            case USER_METRICS_HOURLY, USER_METRICS_DAILY -> new SinkStatements.BucketBinder();
            case USER_MODEL_METRICS_DAILY -> new SinkStatements.ModelDailyBinder();
            case USER_SCORES -> new SinkStatements.ScoresBinder();
            case PROJECT_USERS -> new SinkStatements.ProjectUsersBinder();
        };
        return new CloseTolerantSink<>(JdbcSink.<MetricsRow>builder()
                .withQueryStatement(sql, binder)
                .withExecutionOptions(executionOptions())
                .buildAtLeastOnce(connectionOptions()));
    }

    public Sink<RejectedEvent> rejected() {
        return new CloseTolerantSink<>(JdbcSink.<RejectedEvent>builder()
                .withQueryStatement(SinkStatements.rejectedSql(schema), new SinkStatements.RejectedBinder())
                .withExecutionOptions(executionOptions())
                .buildAtLeastOnce(connectionOptions()));
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
