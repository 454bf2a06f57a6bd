package dev.usermetrics.it;

/** Command lines of the job against the test services. */
final class JobArgs {
    private JobArgs() {}

    /** A bounded run of the topic into the schema, plus more options. */
    static String[] bounded(String topic, String schema, String... more) {
        String[] base = {
            "--kafka.bootstrap-servers", Services.kafkaBootstrap(),
            "--kafka.topic", topic,
            "--kafka.group-id", "it-" + topic,
            "--postgres.url", Services.postgresUrl(),
            "--postgres.user", Services.postgresUser(),
            "--postgres.password", "",
            "--postgres.schema", schema,
            "--bounded",
            "--web-ui-port", "0",
        };
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    /**
     * Runs the job's command line in this JVM, as bin/run-job does, and fails unless it exits 0
     * (the command line's own entry point, which never exits the JVM; main would on an error).
     */
    static void run(String... args) throws Exception {
        org.assertj.core.api.Assertions.assertThat(dev.usermetrics.UserMetricsJob.run(args))
                .as("exit code of the job's command line").isZero();
    }
}
