package dev.usermetrics.it;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OpenAI-compatible server on loopback for the SDK tests: POST {base}/chat/completions answers
 * every request with one assistant message and a fixed {@code usage}, echoing the requested model,
 * so that the Langfuse OpenAI and LangChain integrations record real token counts without a
 * network. The SDKs take {@link #baseUrl()} as OPENAI_BASE_URL.
 */
final class OpenAiStub implements AutoCloseable {
    static final int PROMPT_TOKENS = 17;
    static final int COMPLETION_TOKENS = 5;
    private static final Pattern MODEL = Pattern.compile("\"model\"\\s*:\\s*\"([^\"]*)\"");
    private final HttpServer server;
    private final AtomicInteger completions = new AtomicInteger();

    OpenAiStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = MODEL.matcher(request);
            String model = m.find() ? m.group(1) : "gpt-4o";
            byte[] body = ("{\"id\":\"chatcmpl-stub\",\"object\":\"chat.completion\",\"created\":1767225600,"
                    + "\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\","
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"2\"}}],\"usage\":{\"prompt_tokens\":" + PROMPT_TOKENS
                    + ",\"completion_tokens\":" + COMPLETION_TOKENS + ",\"total_tokens\":" + (PROMPT_TOKENS + COMPLETION_TOKENS) + "}}")
                    .getBytes(StandardCharsets.UTF_8);
            completions.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    int completions() {
        return completions.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
