package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usermetrics.UserMetricsJob;
import dev.usermetrics.localcluster.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;

/**
 * Kafka security: a broker of its own with a SASL_PLAINTEXT listener that authenticates with
 * SCRAM-SHA-256; the job reads through it with the settings of a --kafka.properties-file (the
 * secret off the command line) and writes exact tables; a wrong password is refused by the broker.
 */
class KafkaSaslIT {
    private static final String USER = "um-job";
    private static final String SECRET = "kafka-s3cret";

    private static String jaas(String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER + "\" password=\""
                + password + "\";";
    }

    @Test
    void theJobReadsThroughAScramListenerWithItsPropertiesFile() throws Exception {
        Path dir = Files.createTempDirectory("um-kafka-sasl-");
        try (KafkaBroker broker = KafkaBroker.startChild(dir, true)) {
            try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(USER,
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), SECRET))).all().get(30, TimeUnit.SECONDS);
            }
            // The listener really authenticates: the wrong password is refused.
            try (Admin wrong = Admin.create(Map.<String, Object>of("bootstrap.servers", broker.saslBootstrapServers(),
                    "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-256",
                    "sasl.jaas.config", jaas("not-it"), "request.timeout.ms", "10000", "default.api.timeout.ms", "20000"))) {
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> wrong.describeCluster().nodes().get(30, TimeUnit.SECONDS));
                assertThat(e.getCause()).isInstanceOf(SaslAuthenticationException.class);
            }

            Scenario s = new Scenario(13, 80);
            Topics.produce(broker.bootstrapServers(), "it-sasl", 2, s.lines, true);
            Path props = dir.resolve("kafka-client.properties");
            Files.writeString(props, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\nsasl.jaas.config="
                    + jaas(SECRET).replace("\\", "\\\\") + "\n");
            JobArgs.run(JobArgs.bounded("it-sasl", "it_sasl",
                    "--kafka.bootstrap-servers", broker.saslBootstrapServers(), "--kafka.properties-file", props.toString()));
            UserMetricsJobIT.assertTablesMatch(s, "it_sasl");
        }
    }
}
