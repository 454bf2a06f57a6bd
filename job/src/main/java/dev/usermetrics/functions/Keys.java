package dev.usermetrics.functions;

import dev.usermetrics.records.Contribution;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.records.UserCountChange;
import dev.usermetrics.records.MetricsRow;
import org.apache.flink.api.java.functions.KeySelector;

/** Key selectors of the keyed stages. Length-prefixed so no id can collide with another. */
public final class Keys {
    private Keys() {}

    static String of(String projectId, String id) {
        return projectId.length() + ":" + projectId + "/" + id;
    }

    /** The project of a key made by {@link #of}. */
    static String projectOf(String key) {
        int colon = key.indexOf(':');
        int length = Integer.parseInt(key.substring(0, colon));
        return key.substring(colon + 1, colon + 1 + length);
    }

    /** The id (user, trace, ...) of a key made by {@link #of}. */
    static String idOf(String key) {
        int colon = key.indexOf(':');
        int length = Integer.parseInt(key.substring(0, colon));
        return key.substring(colon + 1 + length + 1);
    }

    /** (project, trace): where events of one trace are merged and its user is resolved. */
    public static final class ByTrace implements KeySelector<IngestionEvent, String> {
        @Override
        public String getKey(IngestionEvent e) {
            return of(e.projectId, e.traceId);
        }
    }

    /** The project: where its users are counted. */
    public static final class ByProject implements KeySelector<UserCountChange, String> {
        @Override
        public String getKey(UserCountChange c) {
            return c.projectId;
        }
    }

    /** (project, user): where a user's totals and buckets are kept. */
    public static final class ByUser implements KeySelector<Contribution, String> {
        @Override
        public String getKey(Contribution c) {
            return of(c.projectId, c.userId);
        }
    }

    /**
     * (project, user) of a user stage's row: the same key as {@link ByUser}, so the user stage's
     * output can be taken as keyed by it without a shuffle (DataStreamUtils.reinterpretAsKeyedStream).
     */
    public static final class RowsByUser implements KeySelector<MetricsRow, String> {
        @Override
        public String getKey(MetricsRow r) {
            return of(r.projectId, r.userId);
        }
    }
}
