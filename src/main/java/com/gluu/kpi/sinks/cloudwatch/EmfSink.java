package com.gluu.kpi.sinks.cloudwatch;

import java.io.Serializable;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes KPI rows as EMF records to the job's metrics log stream through this JVM's shared
 * {@link LogShipper}: {@code write} only buffers, so a slow or absent CloudWatch never holds the
 * pipeline back (what cannot be sent is counted, see {@link LogShipper}). Best effort, not
 * checkpointed: after a restart a window may be sent again. Starting a writer also ships the
 * JVM's logs (the task manager hook, {@link CloudWatchLogging#install}).
 */
public final class EmfSink<T> implements Sink<T> {
    private static final long serialVersionUID = 1L;

    /** A row as one EMF JSON line. */
    @FunctionalInterface
    public interface Format<T> extends Serializable {
        String emf(T row);
    }

    private final CloudWatchSettings settings;
    private final String job;
    private final String stream;
    private final Format<T> format;

    public EmfSink(CloudWatchSettings settings, String job, String stream, Format<T> format) {
        this.settings = settings;
        this.job = job;
        this.stream = stream;
        this.format = format;
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        CloudWatchLogging.install(settings, job);
        LogShipper shipper = SharedShippers.acquire(settings, stream);
        context.metricGroup().gauge("cloudwatchDroppedLines", shipper::dropped);
        return new Writer<>(this, shipper);
    }

    /** Flink 1.20 still declares this older factory abstract; its runtime calls the one above. */
    @Override
    @SuppressWarnings("deprecation")
    public SinkWriter<T> createWriter(InitContext context) {
        throw new UnsupportedOperationException("created through createWriter(WriterInitContext)");
    }

    private static final class Writer<T> implements SinkWriter<T> {
        private final EmfSink<T> sink;
        private final LogShipper shipper;

        Writer(EmfSink<T> sink, LogShipper shipper) {
            this.sink = sink;
            this.shipper = shipper;
        }

        @Override
        public void write(T row, Context context) {
            // Log event time = now: CloudWatch refuses events older than 14 days (a replay), while the
            // metric's own time is the window's, in the record.
            shipper.offer(System.currentTimeMillis(), sink.format.emf(row));
        }

        @Override
        public void flush(boolean endOfInput) {
            // Nothing to wait for: the shipper sends in the background and counts what it cannot.
        }

        @Override
        public void close() {
            SharedShippers.release(sink.settings, sink.stream);
        }
    }
}
