package dev.usermetrics.localcluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The named SQL queries of docs/queries.md (fenced blocks opened with {@code ```sql <name>}),
 * with psql-style parameters: {@code :'name'} becomes a quoted literal, {@code :name} the raw
 * value. The query test and the query benchmark both run exactly what the document shows.
 */
public final class DocQueries {
    private static final Pattern BLOCK = Pattern.compile("(?ms)^```sql ([a-z0-9-]+)\\s*\\n(.*?)^```\\s*$");
    private static final Pattern QUOTED = Pattern.compile("(?<!:):'([a-z_]+)'");
    private static final Pattern RAW = Pattern.compile("(?<![:\\w]):([a-z_]+)\\b");

    private DocQueries() {}

    /** Query name → SQL, in document order. */
    public static Map<String, String> read(Path markdown) throws IOException {
        return parse(Files.readString(markdown, StandardCharsets.UTF_8));
    }

    public static Map<String, String> parse(String markdown) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(markdown);
        while (m.find()) {
            if (out.put(m.group(1), m.group(2).trim()) != null) {
                throw new IllegalArgumentException("query " + m.group(1) + " is defined twice");
            }
        }
        return out;
    }

    /** Substitutes the parameters; every parameter the query uses must be given. */
    public static String bind(String sql, Map<String, String> params) {
        String quoted = replace(QUOTED, sql, params, v -> "'" + v.replace("'", "''") + "'");
        return replace(RAW, quoted, params, v -> {
            if (!v.matches("-?[0-9]+")) {
                throw new IllegalArgumentException("raw parameter must be an integer: " + v);
            }
            return v;
        });
    }

    private static String replace(Pattern p, String sql, Map<String, String> params,
            java.util.function.UnaryOperator<String> render) {
        Matcher m = p.matcher(sql);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String v = params.get(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException("no value for parameter :" + m.group(1));
            }
            m.appendReplacement(b, Matcher.quoteReplacement(render.apply(v)));
        }
        m.appendTail(b);
        return b.toString();
    }
}
