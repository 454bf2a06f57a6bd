package dev.usermetrics.sql;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;

/**
 * How the job reaches Postgres: the JDBC URL, the user, and where the password is. A password
 * from a file or from the environment is read where a connection is opened (on the TaskManager,
 * each time), so it is never part of the job graph that the client submits, the JobManager
 * stores and the web UI shows; a rotated file is picked up by the next connection. Only a
 * password given inline (a command-line value, which a process list shows anyway) travels with
 * the job. Logs and errors show {@link #maskedUrl()}.
 */
public final class PostgresLogin implements Serializable {
    private enum From { INLINE, FILE, ENV }

    /** A password=… parameter of a JDBC URL (pgjdbc accepts it there). */
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)(password=)[^&;]*");

    private final String url;
    private final String user;
    private final From from;
    /** The password (INLINE), the file's path (FILE) or the variable's name (ENV). */
    private final String ref;

    private PostgresLogin(String url, String user, From from, String ref) {
        this.url = url;
        this.user = user;
        this.from = from;
        this.ref = ref;
    }

    /** The password travels with the job (tests, local tools, a command-line value). */
    public static PostgresLogin inline(String url, String user, String password) {
        return new PostgresLogin(url, user, From.INLINE, password);
    }

    /** The first line of {@code path}, read on the machine that connects. */
    public static PostgresLogin fromFile(String url, String user, String path) {
        return new PostgresLogin(url, user, From.FILE, path);
    }

    /** The environment variable {@code name} of the process that connects. */
    public static PostgresLogin fromEnvironment(String url, String user, String name) {
        return new PostgresLogin(url, user, From.ENV, name);
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    /** The password, read now from wherever it is. */
    public String password() throws SQLException {
        switch (from) {
            case FILE -> {
                try {
                    List<String> lines = Files.readAllLines(Path.of(ref));
                    return lines.isEmpty() ? "" : lines.get(0);
                } catch (IOException | RuntimeException e) {
                    throw new SQLException("cannot read the database password file " + ref + " on this machine: " + e.getMessage());
                }
            }
            case ENV -> {
                String v = System.getenv(ref);
                if (v == null) {
                    throw new SQLException("the database password variable " + ref + " is not set in this process's "
                            + "environment (on a cluster: set it on every TaskManager, or use --postgres.password-file)");
                }
                return v;
            }
            default -> {
                return ref;
            }
        }
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password());
    }

    /** For the JDBC connector's sink: the password is read when it connects, not when the job is built. */
    public JdbcConnectionOptions jdbcOptions() {
        return new ResolvedAtConnect(this);
    }

    /** The URL with any password=… parameter masked, for logs and errors. */
    public String maskedUrl() {
        return mask(url);
    }

    public static String mask(String jdbcUrl) {
        return jdbcUrl == null ? null : URL_PASSWORD.matcher(jdbcUrl).replaceAll("$1***");
    }

    /** Where the password comes from, for logs (never the password). */
    @Override
    public String toString() {
        return user + "@" + maskedUrl() + switch (from) {
            case FILE -> " (password from file " + ref + ")";
            case ENV -> " (password from $" + ref + ")";
            default -> " (password inline)";
        };
    }

    private static final class ResolvedAtConnect extends JdbcConnectionOptions {
        private final PostgresLogin login;

        ResolvedAtConnect(PostgresLogin login) {
            super(login.url, "org.postgresql.Driver", 60, new Properties());
            this.login = login;
        }

        @Override
        public java.util.Optional<String> getUsername() {
            return java.util.Optional.of(login.user);
        }

        @Override
        public java.util.Optional<String> getPassword() {
            try {
                return java.util.Optional.of(login.password());
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }

        @Override
        public Properties getProperties() {
            Properties p = new Properties();
            p.putAll(super.getProperties());
            p.setProperty(USER_KEY, login.user);
            p.setProperty(PASSWORD_KEY, getPassword().orElse(""));
            return p;
        }
    }
}
