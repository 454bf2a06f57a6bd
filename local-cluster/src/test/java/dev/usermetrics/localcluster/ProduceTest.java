package dev.usermetrics.localcluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProduceTest {

    @Test
    void linesAreSplitOnNewlineOnlyAndKeptByteForByte() throws Exception {
        byte[] input = {'{', '}', '\n', '\n', 'x', '\r', '\n', (byte) 0xC3, (byte) 0x28, '\n', 'e', 'n', 'd'};
        InputStream in = new ByteArrayInputStream(input);
        List<byte[]> lines = new ArrayList<>();
        byte[] line;
        while ((line = Produce.readLine(in)) != null) {
            lines.add(line);
        }
        assertThat(lines).containsExactly(
                new byte[] {'{', '}'}, new byte[0], new byte[] {'x', '\r'}, new byte[] {(byte) 0xC3, (byte) 0x28},
                "end".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keyIsTheTraceIdWhenTheLineNamesOne() {
        assertThat(Produce.traceKey("{\"type\":\"span-create\",\"body\":{\"id\":\"o\",\"traceId\":\"t1\"}}")).isEqualTo("t1");
        assertThat(Produce.traceKey("{\"type\":\"trace-create\",\"body\":{\"id\":\"t2\"}}")).isEqualTo("t2");
        assertThat(Produce.traceKey("{\"type\":\"sdk-log\",\"body\":{\"id\":\"x\"}}")).isNull();
        assertThat(Produce.traceKey("not json")).isNull();
    }
}
