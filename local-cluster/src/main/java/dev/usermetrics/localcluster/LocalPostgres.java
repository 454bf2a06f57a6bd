package dev.usermetrics.localcluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The local tools' connection to Postgres: POSTGRES_URL, POSTGRES_USER and POSTGRES_PASSWORD from
 * the environment (as bin/common.sh sets them), never from the command line (process lists show
 * arguments), defaulting to bin/up's database.
 */
final class LocalPostgres {
    private LocalPostgres() {}

    static Connection connect() throws SQLException {
        var env = System.getenv();
        return DriverManager.getConnection(env.getOrDefault("POSTGRES_URL", "jdbc:postgresql://localhost:5432/metrics"),
                env.getOrDefault("POSTGRES_USER", "metrics"), env.getOrDefault("POSTGRES_PASSWORD", "metrics"));
    }
}
