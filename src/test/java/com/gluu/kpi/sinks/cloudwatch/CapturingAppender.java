package com.gluu.kpi.sinks.cloudwatch;

import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/** A Log4j appender collecting the formatted messages of one logger (and below) into a list, for tests. */
public final class CapturingAppender extends AbstractAppender implements AutoCloseable {
    private final List<String> into;
    private final String logger;

    private CapturingAppender(String logger, List<String> into) {
        super("capture-" + logger, null, null, true, Property.EMPTY_ARRAY);
        this.into = into;
        this.logger = logger;
    }

    public static CapturingAppender attach(String logger, List<String> into) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        CapturingAppender appender = new CapturingAppender(logger, into);
        appender.start();
        LoggerConfig lc = new LoggerConfig(logger, Level.ALL, true);
        lc.addAppender(appender, Level.ALL, null);
        config.addLogger(logger, lc);
        context.updateLoggers();
        return appender;
    }

    @Override
    public void append(LogEvent event) {
        synchronized (into) {
            into.add(event.getMessage().getFormattedMessage());
        }
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().removeLogger(logger);
        context.updateLoggers();
        stop();
    }
}
