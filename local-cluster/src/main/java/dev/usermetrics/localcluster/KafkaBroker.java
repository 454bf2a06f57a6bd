package dev.usermetrics.localcluster;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A real single-node KRaft Kafka broker (broker + controller in one process) from the
 * kafka_2.13 Maven artifact: no download, no Docker.
 *
 * <p>As a program ({@code main}) it formats its data directory on first use and then runs the
 * broker in this JVM until killed; local-cluster/bin/up starts it that way in the background.
 * Tests call {@link #startChild} to run the same program as a child JVM on free ports.
 */
public final class KafkaBroker implements AutoCloseable {

    private final Process process;
    private final String bootstrapServers;
    private final String saslBootstrapServers;
    private final Path dir;

    private KafkaBroker(Process process, String bootstrapServers, String saslBootstrapServers, Path dir) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
        this.saslBootstrapServers = saslBootstrapServers;
        this.dir = dir;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The SASL_PLAINTEXT listener (SCRAM-SHA-256), or null when the broker has none. */
    public String saslBootstrapServers() {
        return saslBootstrapServers;
    }

    public Path dir() {
        return dir;
    }

    /** Starts a broker as a child JVM (classpath of this JVM) on free ports; waits until ready. */
    public static KafkaBroker startChild(Path dir) throws IOException, InterruptedException {
        return startChild(dir, false);
    }

    /**
     * sasl: also a SASL_PLAINTEXT listener authenticating with SCRAM-SHA-256 (users are added
     * through the PLAINTEXT listener, e.g. Admin#alterUserScramCredentials).
     */
    public static KafkaBroker startChild(Path dir, boolean sasl) throws IOException, InterruptedException {
        int port = freePort();
        int controllerPort = freePort();
        int saslPort = sasl ? freePort() : 0;
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(KafkaBroker.class.getName());
        cmd.add("--dir");
        cmd.add(dir.toString());
        cmd.add("--port");
        cmd.add(Integer.toString(port));
        cmd.add("--controller-port");
        cmd.add(Integer.toString(controllerPort));
        if (sasl) {
            cmd.add("--sasl-port");
            cmd.add(Integer.toString(saslPort));
        }
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("broker.log").toFile())
                .start();
        KafkaBroker broker = new KafkaBroker(p, "localhost:" + port, sasl ? "localhost:" + saslPort : null, dir);
        try {
            awaitReady(broker.bootstrapServers, Duration.ofSeconds(90), p);
        } catch (IOException | RuntimeException e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    /** Kills the broker process and waits for it to exit. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the broker answers describeCluster, or fails (also when {@code process} died). */
    public static void awaitReady(String bootstrap, Duration timeout, Process process) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        try (Admin admin = Admin.create(props)) {
            while (true) {
                if (process != null && !process.isAlive()) {
                    throw new IOException("Kafka broker exited with code " + process.exitValue());
                }
                try {
                    admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
                    return;
                } catch (Exception notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("Kafka broker at " + bootstrap + " not ready after " + timeout);
                    }
                    Thread.sleep(300);
                }
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** saslPort: 0 for none. */
    static Path writeConfig(Path dir, int port, int controllerPort, int saslPort) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("server.properties");
        Map<String, String> c = new java.util.LinkedHashMap<>();
        c.put("process.roles", "broker,controller");
        c.put("node.id", "1");
        c.put("controller.quorum.voters", "1@localhost:" + controllerPort);
        c.put("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        c.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
        c.put("controller.listener.names", "CONTROLLER");
        c.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        c.put("inter.broker.listener.name", "PLAINTEXT");
        if (saslPort > 0) {
            c.put("listeners", c.get("listeners") + ",SASL_PLAINTEXT://localhost:" + saslPort);
            c.put("advertised.listeners", c.get("advertised.listeners") + ",SASL_PLAINTEXT://localhost:" + saslPort);
            c.put("listener.security.protocol.map", c.get("listener.security.protocol.map") + ",SASL_PLAINTEXT:SASL_PLAINTEXT");
            c.put("sasl.enabled.mechanisms", "SCRAM-SHA-256");
            c.put("listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        }
        c.put("log.dirs", dir.resolve("logs").toString());
        c.put("num.partitions", "1");
        c.put("auto.create.topics.enable", "false");
        c.put("offsets.topic.replication.factor", "1");
        c.put("offsets.topic.num.partitions", "4");
        c.put("transaction.state.log.replication.factor", "1");
        c.put("transaction.state.log.min.isr", "1");
        c.put("share.coordinator.state.topic.replication.factor", "1");
        c.put("share.coordinator.state.topic.min.isr", "1");
        c.put("group.initial.rebalance.delay.ms", "0");
        // Keep the history: replaying topics is how tables are rebuilt.
        c.put("log.retention.ms", "-1");
        c.put("log.retention.bytes", "-1");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Map.Entry<String, String> e : c.entrySet()) {
                w.write(e.getKey() + "=" + e.getValue() + "\n");
            }
        }
        return file;
    }

    /** {@code KafkaBroker --dir D --port P --controller-port C [--sasl-port S]}: format if new, then run. */
    public static void main(String[] args) throws Exception {
        Path dir = null;
        int port = 9092;
        int controllerPort = 9093;
        int saslPort = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--controller-port" -> controllerPort = Integer.parseInt(args[++i]);
                case "--sasl-port" -> saslPort = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: KafkaBroker --dir DIR [--port 9092] [--controller-port 9093] [--sasl-port P]");
                    System.exit(2);
                }
            }
        }
        if (dir == null) {
            System.err.println("usage: KafkaBroker --dir DIR [--port 9092] [--controller-port 9093] [--sasl-port P]");
            System.exit(2);
        }
        Path config = writeConfig(dir.toAbsolutePath(), port, controllerPort, saslPort);
        if (!Files.exists(dir.resolve("logs").resolve("meta.properties"))) {
            int rc = kafka.tools.StorageTool.execute(
                    new String[] {"format", "-t", UUID.randomUUID().toString().replace("-", "").substring(0, 22),
                            "-c", config.toString()},
                    new PrintStream(System.out, true, StandardCharsets.UTF_8));
            if (rc != 0) {
                System.err.println("formatting " + dir + " failed with code " + rc);
                System.exit(1);
            }
        }
        kafka.Kafka.main(new String[] {config.toString()});
    }
}
