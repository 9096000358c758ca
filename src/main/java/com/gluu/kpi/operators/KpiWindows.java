package com.gluu.kpi.operators;

import com.gluu.kpi.config.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.datastream.WindowedStream;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.OutputTag;

/**
 * The windows of one KPI family: its input keyed by the table's key, one tumbling event-time
 * window operator per configured size with the job's allowed lateness, each turning a window into
 * rows, all sizes in one stream. Every windowed family builds its windows here, so they share one
 * naming of operators and one treatment of late data:
 *
 * <pre>
 * rows = KpiWindows.named("latency")
 *         .sizes(config.get(JobConfig.WINDOWS))
 *         .allowedLateness(config.get(JobConfig.ALLOWED_LATENESS))
 *         .keyBy(partials, p -&gt; Tuple3.of(p.service, p.model, p.endpoint), KEY)
 *         .aggregate(new LatencyAggregate(), new LatencyWindowRows());
 * </pre>
 *
 * <p><b>Uids.</b> The window operator of size {@code s} has the uid {@code <family>-<s>} (e.g.
 * {@code latency-1m}) and the name {@code "<family with spaces> <s> windows"}. A savepoint finds
 * the window state by that uid, so the family name is part of the savepoint format: never rename
 * one (see {@code src/test/resources/upgrade/operator-uids.txt}).
 *
 * <p><b>Late data.</b> A record up to the allowed lateness behind the watermark still lands in its
 * window, which fires again with the updated row at the next watermark, once for all the late
 * records of that watermark step ({@link OncePerWatermarkTrigger}; the upsert sinks overwrite the
 * earlier row); a window's state is dropped once the watermark passes its end + the allowed lateness. Later
 * records do not normally get here: parsing sends events further behind than {@code
 * time.allowed_lateness} to the dead letters ({@code too_late}), so with the job's lateness a
 * window drops nothing that passed the gate. What still comes too late (a family that emits later
 * than its events' time, e.g. accuracy's join, if it chose too small a lateness) is dropped by
 * Flink's window operator and counted in its {@code numLateRecordsDropped} metric.
 *
 * <p><b>State.</b> Only what Flink's window operator keeps: per key and window, the accumulator
 * of {@link Keyed#aggregate} or the list of inputs of {@link Keyed#process}, typed by the key and
 * accumulator types the family passes (they are the savepoint's layout: keep them). A side output
 * ({@link Keyed#process(ProcessWindowFunction, OutputTag)}) adds no state: a second table computed
 * from the same windows costs no operator and no uid of its own.
 */
public final class KpiWindows {
    private final String family;
    private final List<Duration> sizes;
    private final Duration allowedLateness;

    private KpiWindows(String family, List<Duration> sizes, Duration allowedLateness) {
        this.family = family;
        this.sizes = sizes;
        this.allowedLateness = allowedLateness;
    }

    /** The windows of the family whose uids start with {@code family} (lower case, words joined by '-'). */
    public static KpiWindows named(String family) {
        if (family == null || !family.matches("[a-z]+(-[a-z]+)*")) {
            throw new IllegalArgumentException("a KPI family is named by lower-case words joined by '-', as its"
                    + " window uids are (e.g. endpoint-health); got " + family);
        }
        return new KpiWindows(family, List.of(), Duration.ZERO);
    }

    /** One window operator per size (the job's {@code windows}), in this order. */
    public KpiWindows sizes(List<Duration> windowSizes) {
        if (windowSizes.isEmpty()) {
            throw new IllegalArgumentException(family + ": at least one window size");
        }
        for (Duration size : windowSizes) {
            if (size.isNegative() || size.isZero()) {
                throw new IllegalArgumentException(family + ": a window size must be positive, got " + size);
            }
        }
        return new KpiWindows(family, List.copyOf(windowSizes), allowedLateness);
    }

    /** How long after its end a window still takes records (and fires again at the next watermark). */
    public KpiWindows allowedLateness(Duration lateness) {
        if (lateness.isNegative()) {
            throw new IllegalArgumentException(family + ": allowed lateness must not be negative, got " + lateness);
        }
        return new KpiWindows(family, sizes, lateness);
    }

    /**
     * The input keyed by the row's key. {@code keyType} is given, not inferred: a lambda's key
     * type cannot be read from its class, and it is the type of the state's keys.
     */
    public <IN, K> Keyed<IN, K> keyBy(DataStream<IN> input, KeySelector<IN, K> key, TypeInformation<K> keyType) {
        if (sizes.isEmpty()) {
            throw new IllegalStateException(family + ": sizes(...) before keyBy(...)");
        }
        return new Keyed<>(this, input, key, keyType);
    }

    /** The keyed input of one family's windows; its methods add the window operators. */
    public static final class Keyed<IN, K> {
        private final KpiWindows spec;
        private final DataStream<IN> input;
        private final KeySelector<IN, K> key;
        private final TypeInformation<K> keyType;

        private Keyed(KpiWindows spec, DataStream<IN> input, KeySelector<IN, K> key, TypeInformation<K> keyType) {
            this.spec = spec;
            this.input = Objects.requireNonNull(input, "input");
            this.key = Objects.requireNonNull(key, "key");
            this.keyType = Objects.requireNonNull(keyType, "keyType");
        }

        /**
         * Each window folded into one accumulator as records arrive ({@code aggregate}), then
         * turned into its rows; the accumulator type is read from the aggregate's class.
         */
        public <ACC, V, ROW> DataStream<ROW> aggregate(AggregateFunction<IN, ACC, V> aggregate,
                ProcessWindowFunction<V, ROW, K, TimeWindow> rows) {
            return everySize(window -> window.aggregate(aggregate, rows));
        }

        /** As {@link #aggregate(AggregateFunction, ProcessWindowFunction)}, with the types given. */
        public <ACC, V, ROW> DataStream<ROW> aggregate(AggregateFunction<IN, ACC, V> aggregate,
                ProcessWindowFunction<V, ROW, K, TimeWindow> rows, TypeInformation<ACC> accumulatorType,
                TypeInformation<V> resultType, TypeInformation<ROW> rowType) {
            return everySize(window -> window.aggregate(aggregate, rows, accumulatorType, resultType, rowType));
        }

        /**
         * Each window's records kept whole until it fires, for rows that need all of them at
         * once (cost's allocation); costs state per record, so prefer {@link #aggregate}.
         */
        public <ROW> DataStream<ROW> process(ProcessWindowFunction<IN, ROW, K, TimeWindow> rows) {
            return everySize(window -> window.process(rows));
        }

        /**
         * As {@link #process(ProcessWindowFunction)}, for a function that also writes rows of a
         * second table to {@code side} ({@code ctx.output(side, row)}): the same window operators
         * (same uids, same state), and the side rows of every size in a second stream.
         */
        public <ROW, SIDE> Outputs<ROW, SIDE> process(ProcessWindowFunction<IN, ROW, K, TimeWindow> rows,
                OutputTag<SIDE> side) {
            List<SingleOutputStreamOperator<ROW>> windows = operators(window -> window.process(rows));
            List<DataStream<SIDE>> sides = new ArrayList<>();
            windows.forEach(window -> sides.add(window.getSideOutput(side)));
            return new Outputs<>(union(new ArrayList<>(windows)), union(sides));
        }

        /** One window operator per size, named and with its uid, all in one union (none for a single size). */
        private <ROW> DataStream<ROW> everySize(
                Function<WindowedStream<IN, K, TimeWindow>, SingleOutputStreamOperator<ROW>> toRows) {
            return union(new ArrayList<>(operators(toRows)));
        }

        private <ROW> List<SingleOutputStreamOperator<ROW>> operators(
                Function<WindowedStream<IN, K, TimeWindow>, SingleOutputStreamOperator<ROW>> toRows) {
            List<SingleOutputStreamOperator<ROW>> windows = new ArrayList<>();
            for (Duration size : spec.sizes) {
                String label = Durations.format(size);
                WindowedStream<IN, K, TimeWindow> window = input
                        .keyBy(key, keyType)
                        .window(TumblingEventTimeWindows.of(size))
                        .trigger(new OncePerWatermarkTrigger())
                        .allowedLateness(spec.allowedLateness);
                windows.add(toRows.apply(window)
                        .uid(spec.family + "-" + label)
                        .name(spec.family.replace('-', ' ') + " " + label + " windows"));
            }
            return windows;
        }

        @SuppressWarnings("unchecked")
        private static <T> DataStream<T> union(List<DataStream<T>> streams) {
            DataStream<T> first = streams.get(0);
            return streams.size() == 1 ? first : first.union(streams.subList(1, streams.size()).toArray(DataStream[]::new));
        }
    }

    /** The rows of a family's windows and the rows they wrote to a side output, each of every size. */
    public record Outputs<ROW, SIDE>(DataStream<ROW> rows, DataStream<SIDE> side) {}
}
