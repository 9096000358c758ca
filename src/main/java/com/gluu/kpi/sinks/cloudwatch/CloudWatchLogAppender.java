package com.gluu.kpi.sinks.cloudwatch;

import java.io.Serializable;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * A Log4j 2 appender that hands each event, formatted by the JSON layout, to a {@link LogShipper}
 * (never blocking the logging thread). Events that the shippers' own threads log through the AWS
 * SDK or its HTTP client stay on the console only, so a CloudWatch outage does not feed itself.
 */
public final class CloudWatchLogAppender extends AbstractAppender {
    private final LogShipper shipper;

    CloudWatchLogAppender(String name, Layout<? extends Serializable> layout, LogShipper shipper) {
        super(name, null, layout, true, Property.EMPTY_ARRAY);
        this.shipper = shipper;
    }

    public LogShipper shipper() {
        return shipper;
    }

    @Override
    public void append(LogEvent event) {
        if (Thread.currentThread().getName().startsWith(LogShipper.THREAD_PREFIX)
                && !event.getLoggerName().startsWith("com.gluu.kpi")) {
            return;
        }
        String line = getLayout().toSerializable(event).toString();
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == '\n' || line.charAt(end - 1) == '\r')) {
            end--;
        }
        shipper.offer(event.getTimeMillis(), line.substring(0, end));
    }

    @Override
    public boolean stop(long timeout, TimeUnit unit) {
        setStopping();
        shipper.close();
        setStopped();
        return true;
    }
}
