package dev.usermetrics.sqlalternative;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.apache.flink.table.api.TableEnvironment;

/** The tables both SQL peers declare: the events topic (JSON) and a Postgres upsert sink. */
final class SqlTables {
    private SqlTables() {}

    /** {@code events}: the topic read bounded from the earliest to the latest offset, unparsable records skipped. */
    static void events(TableEnvironment t, String columns, String topic, String bootstrap, String group) {
        t.executeSql("""
                CREATE TABLE events (%s) WITH (
                  'connector' = 'kafka',
                  'topic' = '%s',
                  'properties.bootstrap.servers' = '%s',
                  'properties.group.id' = '%s',
                  'scan.startup.mode' = 'earliest-offset',
                  'scan.bounded.mode' = 'latest-offset',
                  'format' = 'json',
                  'json.ignore-parse-errors' = 'true'
                )""".formatted(columns, topic, bootstrap, group));
    }

    /**
     * A Postgres table keyed by (project_id, user_id), created in {@code schema} if missing, and
     * its Flink JDBC upsert sink. {@code columns} are the value columns, each as "name FLINK_TYPE
     * POSTGRES_TYPE".
     */
    static void userSink(TableEnvironment t, String name, String[] columns, String url, String user, String password,
            String schema) throws Exception {
        StringBuilder pg = new StringBuilder("project_id text NOT NULL, user_id text NOT NULL");
        StringBuilder flink = new StringBuilder("project_id STRING, user_id STRING");
        for (String c : columns) {
            String[] p = c.split(" ", 3);
            flink.append(", ").append(p[0]).append(' ').append(p[1]);
            pg.append(", ").append(p[0]).append(' ').append(p[2]).append(" NOT NULL");
        }
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
            s.execute("CREATE TABLE IF NOT EXISTS \"" + schema + "\"." + name + " (" + pg + ", PRIMARY KEY (project_id, user_id))");
        }
        t.executeSql("""
                CREATE TABLE %s (%s, PRIMARY KEY (project_id, user_id) NOT ENFORCED) WITH (
                  'connector' = 'jdbc',
                  'url' = '%s',
                  'table-name' = '"%s".%s',
                  'username' = '%s',
                  'password' = '%s'
                )""".formatted(name, flink, url, schema, name, user, password));
    }
}
