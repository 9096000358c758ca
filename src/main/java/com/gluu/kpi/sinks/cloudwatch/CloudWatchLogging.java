package com.gluu.kpi.sinks.cloudwatch;

import java.time.Instant;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hook that ships this JVM's logs to CloudWatch Logs: adds a {@link CloudWatchLogAppender}
 * to the running Log4j configuration, once per JVM. It works on the configuration Log4j has,
 * whoever wrote it: the jar's {@code log4j2.properties} under {@code java -jar}, the cluster's
 * {@code log4j-console.properties} on a Flink job or task manager (where the EMF sink writers call
 * it as they start, so every task manager running the job ships its logs too).
 *
 * <p>Stream: {@code <job>/<host>/<start time>-<pid>}, one per JVM. Each line is formatted with the
 * job's JSON template ({@code gluu-log.json}), also where the console uses another layout.
 */
public final class CloudWatchLogging {
    private static final Logger LOG = LoggerFactory.getLogger(CloudWatchLogging.class);
    public static final String APPENDER = "CloudWatchLogs";
    /** The system property the JSON template reads the job name from ({@code "job"} field). */
    public static final String JOB_PROPERTY = "gluu.kpi.job";

    private static CloudWatchLogAppender installed;

    private CloudWatchLogging() {}

    /** Names the job in every JSON log line of this JVM (the {@code job} field). */
    public static void jobName(String job) {
        if (job != null && !job.isBlank() && System.getProperty(JOB_PROPERTY) == null) {
            System.setProperty(JOB_PROPERTY, job);
        }
    }

    /**
     * Ships this JVM's logs to {@code settings.logGroup} from now on; a second call does nothing.
     * Returns the appender (null if the logging backend is not Log4j 2 or lacks the JSON layout:
     * the job then runs on and says so once).
     */
    public static synchronized CloudWatchLogAppender install(CloudWatchSettings settings, String job) {
        if (installed != null) {
            return installed;
        }
        jobName(job);
        try {
            if (!(LogManager.getContext(false) instanceof LoggerContext context)) {
                LOG.warn("CloudWatch Logs off: the logging backend is not Log4j 2");
                return null;
            }
            Configuration config = context.getConfiguration();
            JsonTemplateLayout layout = JsonTemplateLayout.newBuilder()
                    .setConfiguration(config)
                    .setEventTemplateUri("classpath:gluu-log.json")
                    .setEventDelimiter("")
                    .build();
            String stream = CloudWatchSettings.streamName(job, Instant.now());
            LogShipper shipper = new LogShipper(settings.client(), settings.logGroup, stream, LogShipper.Options.defaults());
            CloudWatchLogAppender appender = new CloudWatchLogAppender(APPENDER, layout, shipper);
            appender.start();
            config.addAppender(appender);
            // The root logger sees every event of an additive logger; the others need their own ref.
            config.getRootLogger().addAppender(appender, null, null);
            for (LoggerConfig logger : config.getLoggers().values()) {
                if (!logger.isAdditive() && logger != config.getRootLogger()) {
                    logger.addAppender(appender, null, null);
                }
            }
            context.updateLoggers();
            installed = appender;
            LOG.info("logs go to CloudWatch Logs too: {}, stream {}", settings, stream);
            return appender;
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("CloudWatch Logs off: cannot add the appender to this JVM's Log4j configuration: {}", e.toString());
            return null;
        }
    }

    /** Removes the appender and flushes what it buffered (bounded); tests and shutdown. */
    public static synchronized void uninstall() {
        if (installed == null) {
            return;
        }
        if (LogManager.getContext(false) instanceof LoggerContext context) {
            Configuration config = context.getConfiguration();
            config.getRootLogger().removeAppender(APPENDER);
            for (LoggerConfig logger : config.getLoggers().values()) {
                logger.removeAppender(APPENDER);
            }
            context.updateLoggers();
        }
        installed.stop();
        installed = null;
    }
}
