package com.gluu.kpi.alerts;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/** The formatted messages one logger (and those below it) writes while this is open, for tests. */
final class LogLines extends AbstractAppender implements AutoCloseable {
    private final List<String> lines = new ArrayList<>();
    private final String logger;

    private LogLines(String logger) {
        super("log-lines-" + logger, null, null, true, Property.EMPTY_ARRAY);
        this.logger = logger;
    }

    static LogLines of(Class<?> logger) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        LogLines appender = new LogLines(logger.getName());
        appender.start();
        LoggerConfig lc = new LoggerConfig(logger.getName(), Level.ALL, true);
        lc.addAppender(appender, Level.ALL, null);
        config.addLogger(logger.getName(), lc);
        context.updateLoggers();
        return appender;
    }

    @Override
    public void append(LogEvent event) {
        synchronized (lines) {
            lines.add(event.getMessage().getFormattedMessage());
        }
    }

    List<String> lines() {
        synchronized (lines) {
            return new ArrayList<>(lines);
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
