package com.gluu.kpi.sinks.cloudwatch;

import com.gluu.kpi.sinks.RetryBackoff;
import com.gluu.kpi.sinks.cloudwatch.LogBatches.Entry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.PutLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.RejectedLogEventsInfo;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/**
 * Ships lines to one CloudWatch Logs stream from a background thread, so that callers never wait
 * for CloudWatch: {@link #offer} only puts the line in a bounded buffer. The thread creates the
 * log group and stream when missing, sends {@code PutLogEvents} batches within the limits
 * ({@link LogBatches}), and retries throttling, 5xx and connection failures with exponential
 * backoff and jitter while the buffer keeps filling.
 *
 * <p>Nothing is lost silently. When the buffer is full the <em>oldest</em> line makes room (the
 * newest say most about the present); lines CloudWatch refuses, and lines still unsent when
 * {@link #close} gives up, are counted too. {@link #dropped()} is the total, and a WARN line
 * reports it at most once per report interval (it goes to the console; if it comes back to this
 * shipper through the log appender, it is one more line, not a loop).
 */
public final class LogShipper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogShipper.class);
    /** Threads of shippers: a log appender does not feed their SDK/HTTP logging back into them. */
    public static final String THREAD_PREFIX = "cloudwatch-shipper";

    /** How a shipper behaves; {@link #defaults()} for production. */
    public record Options(int capacity, Duration linger, Duration initialBackoff, Duration maxBackoff,
            Duration closeTimeout, Duration reportInterval) {
        public static Options defaults() {
            return new Options(20_000, Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofSeconds(30),
                    Duration.ofSeconds(10), Duration.ofSeconds(30));
        }
    }

    private final CloudWatchLogsClient client;
    private final String group;
    private final String stream;
    private final Options options;
    private final BlockingQueue<Entry> buffer;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private volatile boolean closing;
    /** Lines taken from the buffer and not yet sent or counted. */
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicBoolean accounted = new AtomicBoolean();
    private volatile long giveUpAt = Long.MAX_VALUE;
    private boolean streamReady;
    private long reportedDropped;
    private long lastReport;

    public LogShipper(CloudWatchLogsClient client, String group, String stream, Options options) {
        this.client = client;
        this.group = group;
        this.stream = stream;
        this.options = options;
        this.buffer = new ArrayBlockingQueue<>(options.capacity());
        this.thread = new Thread(this::loop, THREAD_PREFIX + " " + stream);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Buffers one line; never blocks. When the buffer is full the oldest line is dropped (and
     * counted) to make room. Returns false when this shipper is closed (the line is counted).
     */
    public boolean offer(long timestamp, String message) {
        if (closing) {
            dropped.incrementAndGet();
            return false;
        }
        Entry entry = new Entry(timestamp, message);
        while (!buffer.offer(entry)) {
            if (buffer.poll() != null) {
                dropped.incrementAndGet();
            }
        }
        return true;
    }

    /** Lines dropped so far: buffer overflow, refused by CloudWatch, or unsent at close. */
    public long dropped() {
        return dropped.get();
    }

    /** Lines CloudWatch accepted. */
    public long sent() {
        return sent.get();
    }

    /** {@code PutLogEvents} calls that succeeded. */
    public long batches() {
        return batches.get();
    }

    public String stream() {
        return stream;
    }

    private void loop() {
        try {
            List<Entry> pending = new ArrayList<>();
            while (!closing || !buffer.isEmpty()) {
                Entry first = buffer.poll(options.linger().toMillis(), TimeUnit.MILLISECONDS);
                if (first != null) {
                    pending.add(first);
                    buffer.drainTo(pending, LogBatches.MAX_BATCH_EVENTS - 1);
                    inFlight.set(pending.size());
                    for (List<Entry> batch : LogBatches.split(pending)) {
                        send(batch);
                        inFlight.addAndGet(-batch.size());
                    }
                    pending.clear();
                }
                report(false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            accountForUnsent();
            report(true);
            stopped.countDown();
        }
    }

    /** Sends one batch, retrying what may pass later; counts the batch as dropped when it cannot. */
    private void send(List<Entry> batch) throws InterruptedException {
        int failures = 0;
        while (true) {
            try {
                ensureStream();
                PutLogEventsResponse response = client.putLogEvents(b -> b.logGroupName(group).logStreamName(stream)
                        .logEvents(batch.stream().map(e -> InputLogEvent.builder().timestamp(e.timestamp())
                                .message(e.message()).build()).toList()));
                int refused = refused(response.rejectedLogEventsInfo(), batch.size());
                dropped.addAndGet(refused);
                sent.addAndGet(batch.size() - refused);
                batches.incrementAndGet();
                return;
            } catch (ResourceNotFoundException e) {
                streamReady = false; // deleted meanwhile: create it again on the next try
            } catch (AwsServiceException e) {
                if (!retryable(e)) {
                    LOG.warn("CloudWatch Logs {}/{} refused a batch of {} line(s), dropped: {}", group, stream,
                            batch.size(), e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage());
                    dropInFlight(batch.size());
                    return;
                }
            } catch (SdkClientException e) {
                // Connection refused, timeout: CloudWatch (or the way to it) is down; try again.
            }
            if (System.currentTimeMillis() >= giveUpAt || Thread.currentThread().isInterrupted()) {
                dropInFlight(batch.size());
                return;
            }
            report(false);
            failures++;
            long backoff = RetryBackoff.cappedMillis(options.initialBackoff(), options.maxBackoff(), failures);
            Thread.sleep(RetryBackoff.jitter(Math.min(backoff, Math.max(0, giveUpAt - System.currentTimeMillis()))));
        }
    }

    static boolean retryable(AwsServiceException e) {
        return e.isThrottlingException() || e.statusCode() >= 500 || e.statusCode() == 0;
    }

    /** Lines of the batch CloudWatch did not take (too old, too new, past retention). */
    static int refused(RejectedLogEventsInfo info, int size) {
        if (info == null) {
            return 0;
        }
        int refused = 0;
        if (info.tooOldLogEventEndIndex() != null) {
            refused += info.tooOldLogEventEndIndex(); // events [0, end) are too old
        }
        if (info.expiredLogEventEndIndex() != null) {
            refused = Math.max(refused, info.expiredLogEventEndIndex());
        }
        if (info.tooNewLogEventStartIndex() != null) {
            refused += size - info.tooNewLogEventStartIndex(); // events [start, size) are too new
        }
        return Math.min(refused, size);
    }

    private void ensureStream() {
        if (streamReady) {
            return;
        }
        try {
            client.createLogGroup(b -> b.logGroupName(group));
        } catch (ResourceAlreadyExistsException e) {
            // fine: someone made it before us
        } catch (AwsServiceException e) {
            if (retryable(e)) {
                throw e;
            }
            // e.g. no logs:CreateLogGroup permission on a group made by Terraform: try the stream.
        }
        try {
            client.createLogStream(b -> b.logGroupName(group).logStreamName(stream));
        } catch (ResourceAlreadyExistsException e) {
            // fine
        }
        streamReady = true;
    }

    private void report(boolean last) {
        long now = System.currentTimeMillis();
        long total = dropped.get();
        if (total == reportedDropped || (!last && now - lastReport < options.reportInterval().toMillis())) {
            return;
        }
        LOG.warn("CloudWatch Logs {}/{}: {} line(s) dropped since the last report, {} in total (CloudWatch down,"
                + " throttling or refusing, or the buffer of {} full)", group, stream, total - reportedDropped, total,
                options.capacity());
        reportedDropped = total;
        lastReport = now;
    }

    /** Counts lines taken from the buffer as dropped, unless a close that gave up counted them already. */
    private void dropInFlight(int lines) {
        if (!accounted.get()) {
            dropped.addAndGet(lines);
        }
    }

    /** Counts the buffered and in-flight lines as dropped, once (by the thread or by a close that gave up). */
    private void accountForUnsent() {
        if (accounted.compareAndSet(false, true)) {
            dropped.addAndGet(buffer.size() + inFlight.get());
            buffer.clear();
        }
    }

    /**
     * Sends what is buffered, for at most the close timeout; what is still unsent then is counted
     * as dropped. Closes the client.
     */
    @Override
    public void close() {
        giveUpAt = System.currentTimeMillis() + options.closeTimeout().toMillis();
        closing = true;
        try {
            if (!stopped.await(options.closeTimeout().toMillis() + 2_000, TimeUnit.MILLISECONDS)) {
                // A call hanging past its timeout: count what is left now, do not wait for it.
                thread.interrupt();
                accountForUnsent();
            }
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
        } finally {
            client.close();
        }
    }

    @Override
    public String toString() {
        return "LogShipper(" + group + "/" + stream + ")";
    }
}
