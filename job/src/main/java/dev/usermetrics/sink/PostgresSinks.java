package dev.usermetrics.sink;

import dev.usermetrics.budgets.BudgetFeed;
import dev.usermetrics.pricing.PriceSnapshot;
import dev.usermetrics.pricing.PriceSource;
import dev.usermetrics.records.RejectedEvent;
import dev.usermetrics.sql.PostgresLogin;
import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

/**
 * The job's Postgres endpoints: the metric rows' writer (PostgresRowSink, fed by LatestRowBuffer
 * with the rows of completed checkpoints), the Flink JDBC sink for rejected events
 * (at-least-once; inserts are idempotent), the model price and budget sources and the schema migration.
 */
public final class PostgresSinks implements Serializable {
    /** Where the password is: read where each connection opens (PostgresLogin), not carried in the job graph. */
    private final PostgresLogin login;
    private final String schema;
    /** --sink.take-over: claim the schema whoever holds it (WriterClaim). */
    private final boolean takeOver;

    /** With the password inline (tests, local tools). */
    public PostgresSinks(String url, String user, String password, String schema) {
        this(PostgresLogin.inline(url, user, password), schema);
    }

    public PostgresSinks(PostgresLogin login, String schema) {
        this(login, schema, false);
    }

    private PostgresSinks(PostgresLogin login, String schema, boolean takeOver) {
        this.login = login;
        this.schema = schema;
        this.takeOver = takeOver;
    }

    /** The same endpoints, claiming the schema on the first attempt whoever holds it (a deliberate rewrite). */
    public PostgresSinks takingOver(boolean takeOver) {
        return new PostgresSinks(login, schema, takeOver);
    }

    public String schema() {
        return schema;
    }

    /**
     * Where the metric rows of completed checkpoints go (set-based upserts, one transaction per
     * batch), written only while the claim on the schema is the job's (WriterClaim).
     */
    public RowSink.Factory rows() {
        boolean t = takeOver; // serializable: RowSink.Factory is
        return who -> PostgresRowSink.open(login, schema, who, t);
    }

    /** retention: how long rejected events are kept (zero: forever; {@link TableRetention}). */
    public Sink<RejectedEvent> rejected(Duration retention) {
        return new CloseTolerantSink<>(JdbcSink.<RejectedEvent>builder()
                .withQueryStatement(SinkStatements.rejectedSql(schema), new SinkStatements.RejectedBinder())
                .withExecutionOptions(executionOptions())
                .buildAtLeastOnce(connectionOptions()), TableRetention.rejected(login, schema, retention));
    }

    /** Deletes the user page's list rows older than retention (zero: keeps them; run by the row writer). */
    public TableRetention listRetention(Duration retention) {
        return TableRetention.lists(login, schema, retention);
    }

    /** The model price updates read from this schema (see PriceSource). */
    public Source<PriceSnapshot, ?, ?> prices(Duration pollInterval, boolean once) {
        return PriceSource.polling(login, schema, pollInterval, once);
    }

    /** The budgets of this schema (user_budgets, polled like the prices; see BudgetFeed). */
    public BudgetFeed budgets(Duration pollInterval, boolean once) {
        return BudgetFeed.polling(login, schema, pollInterval, once);
    }

    public void migrate() throws java.sql.SQLException {
        SchemaMigrator.migrate(login.url(), login.user(), login.password(), schema);
    }

    private static JdbcExecutionOptions executionOptions() {
        return JdbcExecutionOptions.builder()
                .withBatchSize(2000)
                .withBatchIntervalMs(1000)
                .withMaxRetries(5)
                .build();
    }

    private JdbcConnectionOptions connectionOptions() {
        return login.jdbcOptions();
    }
}
