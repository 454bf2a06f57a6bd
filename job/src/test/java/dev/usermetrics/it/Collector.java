package dev.usermetrics.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real OpenTelemetry Collector process for the SDK tests: the distribution of
 * local-cluster/collector (built from its pinned Go modules by local-cluster/bin/build-collector,
 * cached), run with the same otel-collector.yaml that bin/up --collector runs and docs/otel.md
 * tells operators to start from, plus optional overlays. OTLP/HTTP on a free loopback port; each
 * batch to {@code topic} on the tests' Kafka broker. Tests that need it are skipped, with a
 * message, where Go is not installed.
 */
final class Collector implements AutoCloseable {
    static final Path CONFIG_DIR = Path.of("../local-cluster/collector");
    private final Process process;
    private final int port;
    private final Path log;

    private Collector(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static void assumeGo() {
        Commands.assumeTool(Commands.available("go", "version"),
                "Go is not on the PATH: the OpenTelemetry Collector cannot be built, the test is skipped");
    }

    /** Starts the Collector writing to {@code topic} (which must exist) in {@code encoding} (otlp_proto, otlp_json). */
    static Collector start(String topic, String encoding, String... overlays) throws Exception {
        assumeGo();
        String binary = Commands.run(Path.of("."), Map.of(), 900, "../local-cluster/bin/build-collector").strip();
        binary = binary.substring(binary.lastIndexOf('\n') + 1);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(binary, "--config", CONFIG_DIR.resolve("otel-collector.yaml").toString()));
        for (String overlay : overlays) {
            cmd.addAll(List.of("--config", CONFIG_DIR.resolve(overlay).toString()));
        }
        Path log = Files.createDirectories(Path.of("target/collector")).resolve(topic + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("KAFKA_BROKERS", Services.kafkaBootstrap(), "OTLP_HTTP_HOST", "127.0.0.1",
                "OTLP_HTTP_PORT", Integer.toString(port), "OTEL_KAFKA_TOPIC", topic, "OTEL_KAFKA_ENCODING", encoding));
        Collector c = new Collector(pb.start(), port, log);
        Await.until("the Collector listens on port " + port, Duration.ofSeconds(60), c::listening, c::logTail);
        return c;
    }

    private boolean listening() {
        if (!process.isAlive()) {
            throw new IllegalStateException("the Collector exited (" + process.exitValue() + "): " + logTail());
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The base URL the Langfuse SDKs take (LANGFUSE_BASE_URL): they append /api/public/otel/v1/traces. */
    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops it the way an operator does (SIGTERM): it flushes its batch to Kafka first. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
