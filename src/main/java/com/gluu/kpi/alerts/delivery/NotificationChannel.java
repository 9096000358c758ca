package com.gluu.kpi.alerts.delivery;

/**
 * Where alert notifications go (SPEC §5). {@link #name()} is also the prefix of the channel's
 * delivery columns in {@code kpi.alerts} ({@code posthog_seq}, {@code sns_seq} …).
 */
public interface NotificationChannel extends AutoCloseable {
    /** {@code posthog} or {@code sns}: the prefix of this channel's columns in kpi.alerts. */
    String name();

    /** Sends one notification and returns only once the receiver has accepted it; throws otherwise. */
    void send(Notification notification) throws Exception;

    /**
     * Sends one grouped message ({@code kpi.alert_notifications}); only SNS groups, so the other
     * channels never get one.
     */
    default void sendGroup(GroupNotification group) throws Exception {
        throw new UnsupportedOperationException(name() + " does not send grouped messages");
    }

    @Override
    default void close() {}
}
