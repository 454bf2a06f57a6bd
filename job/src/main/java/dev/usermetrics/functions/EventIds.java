package dev.usermetrics.functions;

import java.util.List;

/**
 * The ids of the events applied to one trace, observation or score, kept to drop duplicate
 * deliveries cheaply: the most recent {@link #MAX} of them. Why a bound: an entity updated
 * 50,000 times kept 50,000 ids, each event scanning them and reading and rewriting them all in
 * state, so its cost grew with the entity's history (quadratic in total). A duplicate of an
 * older event is applied again instead, which changes nothing: every merge of the trace stage is
 * idempotent (each field keeps the value of its latest-ordered or earliest-ordered version).
 * It is then not counted as a duplicate and counts as activity for the trace TTL.
 */
final class EventIds {
    static final int MAX = 32;

    private EventIds() {}

    /** Adds {@code id}, forgetting the oldest id when {@link #MAX} are kept. */
    static void remember(List<String> ids, String id) {
        if (ids.size() >= MAX) {
            ids.remove(0);
        }
        ids.add(id);
    }
}
