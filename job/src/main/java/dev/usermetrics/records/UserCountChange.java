package dev.usermetrics.records;

/**
 * A user appeared in (+1) or disappeared from (-1) a project's Users list, over all environments
 * (environment null) or in one environment. Emitted by the user stage when a user's totals start
 * or stop counting anything; summed per project into project_users.
 */
public class UserCountChange {
    public String projectId;
    /** null: all environments. */
    public String environment;
    public int delta;

    public UserCountChange() {}

    public UserCountChange(String projectId, String environment, int delta) {
        this.projectId = projectId;
        this.environment = environment;
        this.delta = delta;
    }

    @Override
    public String toString() {
        return "UserCountChange{" + projectId + "/" + environment + " " + delta + "}";
    }
}
