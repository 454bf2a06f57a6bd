package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs the external programs of the SDK tests (node, npm, python, pip, go). */
final class Commands {
    private Commands() {}

    /** Whether {@code cmd} runs and exits 0 (e.g. {@code node --version}). */
    static boolean available(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Skips the test, with {@code message}, when a tool it needs is missing; fails it instead
     * where UM_REQUIRE_SDK_TOOLS=1 (CI: the SDK tests must run there, not skip quietly).
     */
    static void assumeTool(boolean present, String message) {
        if ("1".equals(System.getenv("UM_REQUIRE_SDK_TOOLS"))) {
            assertThat(present).as("UM_REQUIRE_SDK_TOOLS=1, but " + message).isTrue();
        }
        Assumptions.assumeTrue(present, message);
    }

    /** Runs {@code cmd} in {@code dir}, asserts it exits 0 in time, returns its output (stdout and stderr). */
    static String run(Path dir, Map<String, String> env, long timeoutSeconds, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        boolean finished = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(finished).as("%s finished within %d s", String.join(" ", cmd), timeoutSeconds).isTrue();
        assertThat(p.exitValue()).as("%s failed:%n%s", String.join(" ", cmd), text).isZero();
        return text;
    }
}
