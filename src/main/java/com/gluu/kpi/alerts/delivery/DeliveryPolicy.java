package com.gluu.kpi.alerts.delivery;

import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.config.MaintenanceWindow;
import java.io.Serializable;
import java.util.List;

/**
 * What an {@link AlertOutbox} needs from the job's configuration besides the channels: the
 * dashboard link, the rules file's maintenance windows, and whether SNS sends the job's grouped
 * messages ({@code kpi.alert_notifications}) or one message per transition. One object, made
 * once from the config and the rules ({@link #of}), so the outbox of {@code run} and the one
 * inside a cluster job are configured alike. Serializable: it travels in the job graph (no
 * secrets in it; the channels' keys are read where the outbox runs).
 */
public final class DeliveryPolicy implements Serializable {
    private static final long serialVersionUID = 1L;

    /** No link, no maintenance, SNS per transition. */
    public static final DeliveryPolicy PLAIN = new DeliveryPolicy("", List.of(), false);

    private final String dashboardUrl;
    private final List<MaintenanceWindow> maintenance;
    private final boolean groupedSns;

    public DeliveryPolicy(String dashboardUrl, List<MaintenanceWindow> maintenance, boolean groupedSns) {
        this.dashboardUrl = dashboardUrl == null ? "" : dashboardUrl;
        this.maintenance = List.copyOf(maintenance);
        this.groupedSns = groupedSns;
    }

    public static DeliveryPolicy of(JobConfig config, AlertRules rules) {
        return new DeliveryPolicy(config.get(JobConfig.ALERTS_DASHBOARD_URL), rules.maintenance(),
                rules.grouping().isPresent());
    }

    /** {@code alerts.dashboard_url}; empty: notifications carry no link. */
    public String dashboardUrl() {
        return dashboardUrl;
    }

    public List<MaintenanceWindow> maintenance() {
        return maintenance;
    }

    /** Whether SNS sends {@code kpi.alert_notifications} rows (the rules file has {@code grouping:}). */
    public boolean groupedSns() {
        return groupedSns;
    }
}
