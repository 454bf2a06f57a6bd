package dev.usermetrics.budgets;

import dev.usermetrics.records.Decimals;
import dev.usermetrics.sql.Fingerprint;
import dev.usermetrics.sql.SnapshotPoll;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every budget at one moment, with a fingerprint of their content: what the budget poller
 * broadcasts and what the budget stage keeps in its broadcast state (a POJO).
 */
public class BudgetSnapshot implements SnapshotPoll.Snapshot {
    public String fingerprint;
    /** Sorted by id. */
    public List<Budget> budgets = new ArrayList<>();
    private transient Map<String, List<Budget>> byProject;

    public BudgetSnapshot() {}

    public static BudgetSnapshot of(List<Budget> budgets) {
        BudgetSnapshot s = new BudgetSnapshot();
        s.budgets = new ArrayList<>(budgets);
        s.budgets.sort(Comparator.comparing(b -> b.id));
        Fingerprint f = new Fingerprint();
        for (Budget b : s.budgets) {
            f.field(b.id).field(b.projectId).field(b.userId).field(b.environment).field(b.measure.label)
                    .field(b.window.label).field(Decimals.text(b.limit));
            for (BigDecimal t : b.thresholds) {
                f.field(Decimals.text(t));
            }
            f.end();
        }
        s.fingerprint = f.hex();
        return s;
    }

    public static BudgetSnapshot empty() {
        return of(List.of());
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    /** The project's budgets (for every user and for single users), by id. */
    public List<Budget> ofProject(String projectId) {
        if (byProject == null) {
            Map<String, List<Budget>> m = new HashMap<>();
            for (Budget b : budgets) {
                m.computeIfAbsent(b.projectId, k -> new ArrayList<>()).add(b);
            }
            byProject = m;
        }
        return byProject.getOrDefault(projectId, List.of());
    }

    /** The projects whose budgets differ between the two snapshots (added, removed or changed). */
    public static Set<String> changedProjects(BudgetSnapshot before, BudgetSnapshot after) {
        Map<String, String> a = projectFingerprints(before);
        Map<String, String> b = projectFingerprints(after);
        Set<String> changed = new java.util.TreeSet<>();
        for (String p : a.keySet()) {
            if (!a.get(p).equals(b.get(p))) {
                changed.add(p);
            }
        }
        for (String p : b.keySet()) {
            if (!b.get(p).equals(a.get(p))) {
                changed.add(p);
            }
        }
        return changed;
    }

    private static Map<String, String> projectFingerprints(BudgetSnapshot s) {
        Map<String, String> out = new HashMap<>();
        if (s != null) {
            Map<String, List<Budget>> byProject = new HashMap<>();
            s.budgets.forEach(b -> byProject.computeIfAbsent(b.projectId, k -> new ArrayList<>()).add(b));
            byProject.forEach((p, list) -> out.put(p, of(list).fingerprint));
        }
        return out;
    }

    @Override
    public String toString() {
        return budgets.size() + " budgets (" + fingerprint + ")";
    }
}
