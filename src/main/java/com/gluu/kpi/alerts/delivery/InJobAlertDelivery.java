package com.gluu.kpi.alerts.delivery;

import com.gluu.kpi.alerts.AlertRecord;
import com.gluu.kpi.sinks.JdbcSettings;
import java.io.IOException;
import java.time.Duration;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.streaming.api.connector.sink2.SupportsPreWriteTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kpi.alerts sink with the {@link AlertOutbox} running inside the job, for a job submitted to
 * a cluster, where no client process stays behind to deliver notifications.
 *
 * <p>Every alert row goes to writer 0 (alerts are a few rows a minute), which also runs the
 * outbox for the job's lifetime, in the TaskManager that holds it, with the channels configured
 * in that TaskManager's environment. So at the end of a bounded replay writer 0 has written
 * every alert row, and waits up to {@code finalWait} for their delivery before the job finishes
 * (what {@code run} does in its own process for a local replay). A restart of the job restarts
 * the outbox; what was not delivered stays in kpi.alerts and goes out then.
 *
 * <p>This outbox is the same {@link AlertOutbox}, claiming each (row, channel) before it sends, so
 * it never sends a transition that another outbox on the database sends: a {@code run} against the
 * same database, another job, or this job's previous writer 0 still winding down after a failover
 * while the new one starts.
 */
public final class InJobAlertDelivery implements Sink<AlertRecord>, SupportsPreWriteTopology<AlertRecord> {
    private static final long serialVersionUID = 1L;

    private final Sink<AlertRecord> table;
    private final JdbcSettings jdbc;
    private final Duration finalWait;
    private final DeliveryPolicy policy;

    public InJobAlertDelivery(Sink<AlertRecord> table, JdbcSettings jdbc, Duration finalWait) {
        this(table, jdbc, finalWait, DeliveryPolicy.PLAIN);
    }

    /** @param policy link, maintenance windows and grouped SNS, from the job's config and rules */
    public InJobAlertDelivery(Sink<AlertRecord> table, JdbcSettings jdbc, Duration finalWait, DeliveryPolicy policy) {
        this.table = table;
        this.jdbc = jdbc;
        this.finalWait = finalWait;
        this.policy = policy;
    }

    @Override
    public DataStream<AlertRecord> addPreWriteTopology(DataStream<AlertRecord> alerts) {
        return alerts.global(); // one writer sees every alert: the one that runs the outbox
    }

    @Override
    public SinkWriter<AlertRecord> createWriter(WriterInitContext context) throws IOException {
        SinkWriter<AlertRecord> writer = table.createWriter(context);
        if (context.getTaskInfo().getIndexOfThisSubtask() != 0) {
            return writer; // receives nothing (global partitioning)
        }
        // Read here, in the TaskManager: the channels' keys never travel in the job graph.
        AlertOutbox outbox = AlertOutbox.withDefaults(jdbc, Channels.fromEnvironment(System.getenv()))
                .applying(policy).start();
        return new DeliveringWriter(writer, outbox, finalWait);
    }

    /** Flink 1.20 still declares this older factory abstract; its runtime calls the one above. */
    @Override
    @SuppressWarnings("deprecation")
    public SinkWriter<AlertRecord> createWriter(InitContext context) {
        throw new UnsupportedOperationException("created through createWriter(WriterInitContext)");
    }

    private static final class DeliveringWriter implements SinkWriter<AlertRecord> {
        private static final Logger LOG = LoggerFactory.getLogger(InJobAlertDelivery.class);

        private final SinkWriter<AlertRecord> table;
        private final AlertOutbox outbox;
        private final Duration finalWait;

        DeliveringWriter(SinkWriter<AlertRecord> table, AlertOutbox outbox, Duration finalWait) {
            this.table = table;
            this.outbox = outbox;
            this.finalWait = finalWait;
        }

        @Override
        public void write(AlertRecord alert, Context context) throws IOException, InterruptedException {
            table.write(alert, context);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            table.flush(endOfInput);
            if (!endOfInput) {
                return;
            }
            long behind = outbox.awaitDelivered(finalWait);
            if (behind == 0) {
                LOG.info("alert outbox: every notification delivered at the end of the input");
            } else {
                LOG.warn("alert outbox, after waiting {}: {}", finalWait, AlertOutbox.undelivered(behind));
            }
        }

        @Override
        public void writeWatermark(org.apache.flink.api.common.eventtime.Watermark watermark)
                throws IOException, InterruptedException {
            table.writeWatermark(watermark);
        }

        @Override
        public void close() throws Exception {
            try {
                table.close();
            } finally {
                outbox.close();
            }
        }
    }
}
