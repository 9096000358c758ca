package com.gluu.kpi.jobs;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventType;
import com.gluu.kpi.operators.KpiWindows;
import com.gluu.kpi.pipeline.AccrualSlots;
import com.gluu.kpi.pipeline.InputEnd;
import com.gluu.kpi.pipeline.KeyCap;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The {@code kpi.jobs} part of the dataflow: job events (after dedup) keyed by {@code job_id}
 * into the {@link JobJoin}, its signals capped per window ({@code limits.max_keys_per_window}
 * (service, kind) keys, the rest {@code ~other}), then merged per (service, kind) in tumbling
 * event-time windows of every size with allowed lateness.
 */
public final class JobsKpis {
    private JobsKpis() {}

    /** The {@code kpi.jobs} rows of {@code events}; {@code inputEnds} as the timelines get them. */
    public static DataStream<JobsRow> rows(DataStream<Event> events, DataStream<InputEnd> inputEnds, JobConfig config) {
        return rows(signals(events, inputEnds, config), config);
    }

    /**
     * The job join's signals, capped per window ({@code ~other} beyond the cap): what the
     * {@code kpi.jobs} windows and the jobs alert rules ({@code jobs_stuck}, {@code webhook_failures}) read.
     */
    public static DataStream<JobSignal> signals(DataStream<Event> events, DataStream<InputEnd> inputEnds, JobConfig config) {
        Duration lateness = config.get(JobConfig.ALLOWED_LATENESS);
        DataStream<JobSignal> signals = events
                .filter(e -> e.type == EventType.JOB).uid("job-events").name("job events")
                .keyBy(e -> e.job.jobId, Types.STRING)
                .connect(inputEnds.broadcast())
                .transform("job join", TypeInformation.of(JobSignal.class), new JobJoin(
                        AccrualSlots.size(config.get(JobConfig.WINDOWS)), config.get(JobConfig.JOBS_HORIZON).toMillis(),
                        config.get(JobConfig.JOBS_STUCK_AFTER).toMillis(), lateness.toMillis()))
                .uid("job-join").name("job join");
        return KeyCap.apply(signals, "kpi.jobs", new CapPolicy(), lateness, config);
    }

    /** The {@code kpi.jobs} rows of the {@link #signals}. */
    public static DataStream<JobsRow> rows(DataStream<JobSignal> capped, JobConfig config) {
        return KpiWindows.named("jobs")
                .sizes(config.get(JobConfig.WINDOWS))
                .allowedLateness(config.get(JobConfig.ALLOWED_LATENESS))
                .keyBy(capped, s -> Tuple2.of(s.service, s.kind), Types.TUPLE(Types.STRING, Types.STRING))
                .aggregate(new JobsAggregate(), new JobsWindowRows());
    }

    /** The {@code kpi.jobs} key cap: (service, kind). */
    static final class CapPolicy implements KeyCap.Policy<JobSignal> {
        private static final long serialVersionUID = 1L;

        @Override
        public String[] key(JobSignal s) {
            return new String[] {s.service, s.kind};
        }

        @Override
        public JobSignal overflow(JobSignal s) {
            JobSignal o = new JobSignal(KeyCap.OTHER, KeyCap.OTHER);
            o.jobId = s.jobId;
            o.seen = s.seen;
            o.submitted = s.submitted;
            o.completed = s.completed;
            o.failed = s.failed;
            o.webhooksSent = s.webhooksSent;
            o.webhooksFailed = s.webhooksFailed;
            o.queueMs = s.queueMs;
            o.runMs = s.runMs;
            o.e2eMs = s.e2eMs;
            o.gaugeAt = s.gaugeAt;
            o.gaugeFinal = s.gaugeFinal;
            o.open = s.open;
            o.stuck = s.stuck;
            o.oldestOpenMs = s.oldestOpenMs;
            return o;
        }

        @Override
        public long events(JobSignal s) {
            return s.events();
        }
    }
}
