// Runs the Langfuse JS SDK patterns from Langfuse's user-tracking docs and exports OTLP/HTTP to
// LANGFUSE_BASE_URL (the OpenTelemetry Collector, JsSdkIT). Prints "done" when every span was
// exported. The OpenAI model of section 5 is served from OPENAI_BASE_URL (a stub in the test).
// Sections 1-3 produced the committed capture src/test/resources/otel/js-sdk-5.11.1-export.json.
import { NodeSDK } from "@opentelemetry/sdk-node";
import { LangfuseSpanProcessor } from "@langfuse/otel";
import { observe, startActiveObservation, startObservation, propagateAttributes } from "@langfuse/tracing";
import { trace } from "@opentelemetry/api";
import { CallbackHandler } from "@langfuse/langchain";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { ChatOpenAI } from "@langchain/openai";

const processor = new LangfuseSpanProcessor({
  publicKey: "pk-lf-test",
  secretKey: "sk-lf-test",
  baseUrl: process.env.LANGFUSE_BASE_URL,
  environment: "production",
  exportMode: "batched",
});
const sdk = new NodeSDK({ spanProcessors: [processor] });
sdk.start();

// 1. Nested observations; a span that ends before propagateAttributes is called; a generation
//    with usage and cost (small costs come in exponent form).
await startActiveObservation("handle-request", async (root) => {
  root.update({ input: { query: "What is the capital of France?" } });
  const early = startObservation("load-config");
  early.end();
  await propagateAttributes({ userId: "user-a", sessionId: "session-1" }, async () => {
    await startActiveObservation("retrieve", async () => {
      const gen = startObservation("llm-call", { model: "gpt-4o" }, { asType: "generation" });
      gen.update({
        usageDetails: { input: 321, output: 123, total: 444, input_cached_tokens: 64 },
        costDetails: { input: 0.0000001234, output: 0.00000005 },
      });
      gen.end();
    });
  });
});

// 2. Usage without cost (priced by the job from model prices).
await startActiveObservation("summarize", async () => {
  await propagateAttributes({ userId: "user-b" }, async () => {
    const gen = startObservation("llm-call", { model: "gpt-4o-mini" }, { asType: "generation" });
    gen.update({ usageDetails: { input: 1000, output: 200 } });
    gen.end();
  });
});

// 3. Invalid userIds: a number, and 201 characters. The SDK drops them with a warning; the
//    traces are still exported (without a user).
await startActiveObservation("bad-user-number", async () => {
  await propagateAttributes({ userId: 12345 }, async () => {
    startObservation("child").end();
  });
});
await startActiveObservation("bad-user-long", async () => {
  await propagateAttributes({ userId: "u".repeat(201) }, async () => {
    startObservation("child").end();
  });
});

// 4. Invalid userIds set as span attributes directly (the SDK's checks bypassed): the job's own
//    user-ID rules must drop them (a number; 201 characters).
await startActiveObservation("direct-bad-number", async () => {
  trace.getActiveSpan().setAttribute("user.id", 12345);
});
await startActiveObservation("direct-bad-long", async () => {
  trace.getActiveSpan().setAttribute("user.id", "v".repeat(201));
});

// 5. The LangChain CallbackHandler, as on the page (which imports the deprecated
//    langfuse-langchain; this is its successor, @langfuse/langchain), on a prompt | model chain
//    whose OpenAI chat model is served from OPENAI_BASE_URL (a stub in the test).
const chain = ChatPromptTemplate.fromTemplate("Tell me a joke about {input}")
  .pipe(new ChatOpenAI({ model: "gpt-4o-mini", temperature: 0 }));
const langfuseHandler = new CallbackHandler();
await startActiveObservation("langchain-call", async () => {
  // Propagate userId to all observations
  await propagateAttributes(
    {
      userId: "user-c",
    },
    async () => {
      // Pass handler to the chain invocation
      await chain.invoke(
        { input: "<user_input>" },
        { callbacks: [langfuseHandler] }
      );
    }
  );
});

// 6. The observe wrapper, as on the page: two observations (the wrapped functions).
const processQuery = observe(async (userQuery) => userQuery.toUpperCase(), { name: "process-query" });
const processUserRequest = observe(
  async (userQuery) => {
    // Propagate userId to all child observations
    return await propagateAttributes({ userId: "user-d" }, async () => {
      // All nested observations automatically inherit userId
      const result = await processQuery(userQuery);
      return result;
    });
  },
  { name: "process-user-request" }
);
const result = await processUserRequest("some query");

await processor.forceFlush();
await sdk.shutdown();
console.log("done");
