package com.gluu.kpi.accuracy;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.operators.KpiWindows;
import com.gluu.kpi.pipeline.KeyCap;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;

/**
 * The {@code kpi.accuracy} family (SPEC §4): feedback joined to its inference by
 * {@link FeedbackJoin}, then counted per (model, model_version) in tumbling event-time windows
 * of the feedback's {@code ts}, one window operator per configured size.
 *
 * <pre>
 * dedup (keyed by request_id) ─▶ inference + feedback ─▶ reinterpretAsKeyedStream ─▶ join(...)
 *                                                                                       │
 *                          rows(...): keyBy(model, model_version) ─▶ 1 m, 1 h windows ─▶ kpi.accuracy
 * </pre>
 */
public final class AccuracyKpis {
    private static final TypeInformation<Tuple2<String, String>> KEY = Types.TUPLE(Types.STRING, Types.STRING);

    private AccuracyKpis() {}

    /**
     * The feedback join on the deduplicated inference and feedback events, already partitioned by
     * {@code request_id} (e.g. {@code DataStreamUtils.reinterpretAsKeyedStream(deduped,
     * Event::routingKey, Types.STRING)}: no extra shuffle).
     */
    public static DataStream<AccuracyObservation> join(KeyedStream<Event, String> inferencesAndFeedback, JobConfig config) {
        return inferencesAndFeedback
                .transform("feedback join", TypeInformation.of(AccuracyObservation.class), new FeedbackJoin(
                        config.get(JobConfig.ACCURACY_HORIZON),
                        config.get(JobConfig.ACCURACY_FEEDBACK_WAIT),
                        config.get(JobConfig.ALLOWED_LATENESS)))
                .uid("feedback-join").name("feedback join");
    }

    /**
     * The observations with at most {@code limits.max_keys_per_window} (model, model_version) per
     * window, the rest under {@code ~other} ({@link KeyCap}); what the accuracy windows and the
     * alerts read. {@value FeedbackJoin#UNMATCHED} is made by the join, not the input: it is never
     * capped and takes no place, so a window has at most cap + 2 rows (cap, {@code unmatched},
     * {@code ~other}). There is no pre-aggregation: feedback is about 1 % of the events, and the
     * cap's work per observation is one hash lookup. Its key sets live as long as the windows'
     * state (see {@link #lateness}).
     */
    public static DataStream<AccuracyObservation> cap(DataStream<AccuracyObservation> observations, JobConfig config) {
        return KeyCap.apply(observations, "kpi.accuracy", new CapPolicy(), lateness(config), config);
    }

    /** The accuracy key cap's view of an observation. */
    static final class CapPolicy implements KeyCap.Policy<AccuracyObservation> {
        private static final long serialVersionUID = 1L;

        @Override
        public String[] key(AccuracyObservation o) {
            return FeedbackJoin.UNMATCHED.equals(o.model) ? null : new String[] {o.model, o.modelVersion};
        }

        @Override
        public AccuracyObservation overflow(AccuracyObservation o) {
            return new AccuracyObservation(KeyCap.OTHER, KeyCap.OTHER, o.verdict, o.score, o.ts);
        }

        @Override
        public long events(AccuracyObservation o) {
            return 1;
        }
    }

    /** One {@code kpi.accuracy} row per window, size, model and model version with feedback. */
    public static DataStream<AccuracyRow> rows(DataStream<AccuracyObservation> observations, JobConfig config) {
        return KpiWindows.named("accuracy")
                .sizes(config.get(JobConfig.WINDOWS))
                .allowedLateness(lateness(config))
                .keyBy(observations, o -> Tuple2.of(o.model, o.modelVersion), KEY)
                .aggregate(new AccuracyAggregate(), new AccuracyWindowRows(),
                        TypeInformation.of(AccuracyCounts.class), TypeInformation.of(AccuracyCounts.class),
                        TypeInformation.of(AccuracyRow.class));
    }

    /** The accuracy windows' allowed lateness. */
    static Duration lateness(JobConfig config) {
        // How late an observation can reach its window. Its record timestamp is the feedback's ts
        // f, but the join may emit it later than f's own lateness: a feedback waiting for its
        // inference is decided when the inference arrives (ts ≤ f + feedback_wait, up to
        // allowed_lateness late: watermark < f + wait + lateness) or, at the latest, by its timer
        // at watermark f + wait + lateness, and it is emitted before that watermark goes on. The
        // window [s, e) holding f has e − 1 ≥ f, so a lateness of wait + lateness already keeps
        // it open. The second allowed_lateness is a safety margin on top of that bound (it costs
        // only five more minutes of window state, and feedback is about 1 % of the events).
        return config.get(JobConfig.ACCURACY_FEEDBACK_WAIT)
                .plus(config.get(JobConfig.ALLOWED_LATENESS).multipliedBy(2));
    }
}
