package dev.usermetrics.bench;

import dev.usermetrics.UserMetricsJob;
import dev.usermetrics.config.JobOptions;
import dev.usermetrics.functions.Keys;
import dev.usermetrics.functions.ParseAndValidate;
import dev.usermetrics.records.IngestionEvent;
import dev.usermetrics.wire.WireType;
import java.util.Arrays;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

/**
 * The framework floor under the job: how fast Flink itself runs the job's topology with (almost)
 * no work in it, on the job's own configuration (MiniCluster, RocksDB, parallelism, object
 * reuse). Nested pipelines over the same bounded topic, each ending in a discarding sink:
 * <ul>
 *   <li>{@code parse}: the Kafka source and the job's parse-and-validate (chained);
 *   <li>{@code shuffle}: + the shuffle by (project, trace) with the job's event serializer, no
 *       state (the least any exact job does: merging a trace needs its events in one place);
 *   <li>{@code shuffles}: + the shuffle by (project, user) of a small record per event, no state
 *       (the two exchanges every exact job of this kind has: by trace to merge, by user to sum);
 *   <li>{@code trace}: {@code shuffle} with one RocksDB state read and write per event (a counter
 *       per trace);
 *   <li>{@code trace-user}: {@code trace} + the shuffle by user and one state read and write per
 *       user.
 * </ul>
 * {@code shuffles} is a floor no job with the two exchanges can beat; {@code trace-user} adds a
 * state access per event in each keyed stage (the job touches state once per key and bundle, and
 * does the real work); what the job takes above them is its own. Usage: {@code FlinkFloor MODE [job options]} (the job's --kafka.* options, --parallelism);
 * prints {@code floor MODE finished in S s}.
 */
public final class FlinkFloor {
    private FlinkFloor() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !Arrays.asList("parse", "shuffle", "shuffles", "trace", "trace-user").contains(args[0])) {
            System.err.println("usage: FlinkFloor parse|shuffle|shuffles|trace|trace-user [job options]");
            System.exit(2);
        }
        String mode = args[0];
        JobOptions o = JobOptions.parse(Arrays.copyOfRange(args, 1, args.length));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(UserMetricsJob.flinkConfiguration(o));
        UserMetricsJob.configure(env, o);
        DataStream<IngestionEvent> events = env
                .fromSource(UserMetricsJob.kafkaSource(o), WatermarkStrategy.noWatermarks(), "kafka-source")
                .process(new ParseAndValidate(), WireType.INGESTION_EVENT);
        if (mode.equals("parse")) {
            events.sinkTo(new DiscardingSink<>());
        } else if (mode.equals("shuffle")) {
            events.keyBy(new Keys.ByTrace()).map(e -> e.traceId).returns(Types.STRING).sinkTo(new DiscardingSink<>());
        } else if (mode.equals("shuffles")) {
            events.keyBy(new Keys.ByTrace()).map(FlinkFloor::userKey).returns(Types.STRING)
                    .keyBy(u -> u).map(u -> u.length()).returns(Types.INT).sinkTo(new DiscardingSink<>());
        } else {
            DataStream<String> users = events.keyBy(new Keys.ByTrace()).process(new CountPerKey<>()).returns(Types.STRING);
            if (mode.equals("trace")) {
                users.sinkTo(new DiscardingSink<>());
            } else {
                users.keyBy(u -> u).process(new CountPerKey<String>()).returns(Types.STRING).sinkTo(new DiscardingSink<>());
            }
        }
        JobExecutionResult r = env.execute("floor " + mode);
        System.out.printf("floor %s finished in %.1f s%n", mode, r.getNetRuntime() / 1000.0);
    }

    /** The key the second exchange groups by: the event's user (its trace when it names none). */
    static String userKey(IngestionEvent e) {
        return e.projectId + "/" + (e.userId != null ? e.userId : e.traceId);
    }

    /** Counts per key in RocksDB (one read, one write per record) and emits the record's user key. */
    static final class CountPerKey<T> extends KeyedProcessFunction<String, T, String> {
        private transient ValueState<Long> count;

        @Override
        public void open(OpenContext ctx) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
        }

        @Override
        public void processElement(T in, Context ctx, Collector<String> out) throws Exception {
            Long n = count.value();
            count.update(n == null ? 1 : n + 1);
            if (in instanceof IngestionEvent e) {
                out.collect(userKey(e));
            } else {
                out.collect(ctx.getCurrentKey());
            }
        }
    }
}
