package dev.usermetrics.localcluster;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Runs SQL against Postgres and prints the result as a table (the machine may have no psql). */
public final class Sql {
    private Sql() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: sql \"SELECT ...\"   (env POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD)");
            System.exit(2);
        }
        try (Connection c = LocalPostgres.connect(); Statement s = c.createStatement()) {
            // Several statements are allowed (e.g. "SET app.project_id = 'p'; SELECT …"): each
            // result set is printed; statements without one are acknowledged only if nothing else is.
            boolean hasResult = s.execute(args[0]);
            boolean printed = false;
            int updates = -1;
            while (true) {
                if (hasResult) {
                    try (ResultSet rs = s.getResultSet()) {
                        print(rs);
                    }
                    printed = true;
                } else {
                    int n = s.getUpdateCount();
                    if (n == -1) {
                        break;
                    }
                    updates = Math.max(updates, 0) + n;
                }
                hasResult = s.getMoreResults();
            }
            if (!printed) {
                System.out.println("OK, " + Math.max(updates, 0) + " row(s)");
            }
        }
    }

    static void print(ResultSet rs) throws Exception {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        List<String[]> rows = new ArrayList<>();
        String[] header = new String[n];
        int[] width = new int[n];
        for (int i = 0; i < n; i++) {
            header[i] = md.getColumnLabel(i + 1);
            width[i] = header[i].length();
        }
        while (rs.next()) {
            String[] r = new String[n];
            for (int i = 0; i < n; i++) {
                String v = rs.getString(i + 1);
                r[i] = v == null ? "" : v;
                width[i] = Math.max(width[i], Math.min(r[i].length(), 60));
            }
            rows.add(r);
        }
        printRow(header, width);
        StringBuilder sep = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sep.append(i == 0 ? "" : "-+-").append("-".repeat(width[i]));
        }
        System.out.println(sep);
        for (String[] r : rows) {
            printRow(r, width);
        }
        System.out.println("(" + rows.size() + " row" + (rows.size() == 1 ? "" : "s") + ")");
    }

    private static void printRow(String[] r, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < r.length; i++) {
            String v = r[i].length() > 60 ? r[i].substring(0, 59) + "…" : r[i];
            b.append(i == 0 ? "" : " | ").append(String.format("%-" + width[i] + "s", v));
        }
        System.out.println(b.toString().stripTrailing());
    }
}
