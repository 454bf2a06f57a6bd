package dev.usermetrics.validation;

import java.io.Serializable;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The projects each topic may carry (--input.projects). An event names its own project, so
 * whoever may write to a topic can write metrics into any project: write access to the topic is
 * the trust boundary. Pinning a topic's projects narrows it: an event of that topic naming
 * another project is rejected ({@link RejectReason#PROJECT_NOT_ALLOWED}).
 *
 * <p>Spec: comma-separated entries; {@code project} pins it for every topic, {@code topic=project}
 * for that topic only. A topic's allowed projects are the ones pinned for every topic plus its
 * own; a topic with none is not pinned (any project). Empty spec: nothing is pinned.
 */
public final class ProjectPins implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Nothing pinned: every topic may carry any project. */
    public static final ProjectPins NONE = new ProjectPins(Set.of(), Map.of());

    private final Set<String> everyTopic;
    private final Map<String, Set<String>> perTopic;

    private ProjectPins(Set<String> everyTopic, Map<String, Set<String>> perTopic) {
        this.everyTopic = everyTopic;
        this.perTopic = perTopic;
    }

    /** Parses a spec; {@code topics} are the topics the job reads (a pin must name one of them). */
    public static ProjectPins parse(String spec, Collection<String> topics) {
        Set<String> every = new LinkedHashSet<>();
        Map<String, Set<String>> own = new HashMap<>();
        for (String entry : spec.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            if (eq < 0) {
                every.add(e);
                continue;
            }
            String topic = e.substring(0, eq).trim();
            String project = e.substring(eq + 1).trim();
            if (topic.isEmpty() || project.isEmpty()) {
                throw new IllegalArgumentException("takes project or topic=project entries, got: " + e);
            }
            if (!topics.contains(topic)) {
                throw new IllegalArgumentException("names topic " + topic + ", which the job does not read");
            }
            own.computeIfAbsent(topic, t -> new LinkedHashSet<>()).add(project);
        }
        return every.isEmpty() && own.isEmpty() ? NONE : new ProjectPins(every, own);
    }

    /** True when an event of {@code topic} may name {@code project}. */
    public boolean allows(String topic, String project) {
        Set<String> own = perTopic.get(topic);
        if (everyTopic.isEmpty() && own == null) {
            return true;
        }
        return everyTopic.contains(project) || (own != null && own.contains(project));
    }

    /** The projects {@code topic} may carry, for messages. */
    public String describe(String topic) {
        Set<String> all = new LinkedHashSet<>(everyTopic);
        all.addAll(perTopic.getOrDefault(topic, Set.of()));
        return String.join(", ", all);
    }

    public boolean isEmpty() {
        return everyTopic.isEmpty() && perTopic.isEmpty();
    }
}
