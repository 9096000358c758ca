package com.gluu.kpi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.alerts.AlertRecord;
import com.gluu.kpi.alerts.AlertStateMachine;
import com.gluu.kpi.alerts.delivery.AlertOutbox;
import com.gluu.kpi.alerts.delivery.NotificationChannel;
import com.gluu.kpi.alerts.delivery.PostHogChannel;
import com.gluu.kpi.alerts.delivery.SnsChannel;
import com.gluu.kpi.sinks.KpiTables;
import com.gluu.kpi.testing.PostHogStandIn;
import com.gluu.kpi.testing.PostgresExtension;
import com.gluu.kpi.testing.SnsStandIn;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Silences (SPEC §5): {@code silence add | list | expire} against a real PostgreSQL, and the
 * outbox recording a matching transition without sending it while the others go out.
 */
class SilencesITCase {
    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final Instant T = Instant.parse("2026-11-23T10:00:00Z");

    private static String silence(String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = SilenceCommand.run(List.of(args), new PrintStream(bytes, true, StandardCharsets.UTF_8),
                POSTGRES.db().jdbc());
        return code + " " + bytes.toString(StandardCharsets.UTF_8).strip();
    }

    private static long id(String added) {
        return Long.parseLong(added.split(" ")[2].replace(":", ""));
    }

    private static void episode(String rule, String service, String severity) throws Exception {
        AlertRecord r = new AlertRecord();
        r.labelsJson = AlertStateMachine.labelsJson(Map.of("service", service));
        r.rule = rule;
        r.alertId = rule + "-" + service;
        r.severity = severity;
        r.state = AlertRecord.FIRING;
        r.startedAt = T.toEpochMilli();
        r.transitionAt = T.toEpochMilli();
        r.notifySeq = 1;
        r.summary = rule + " for " + service;
        var table = KpiTables.ALERTS;
        try (Connection c = POSTGRES.db().jdbc().connect(); PreparedStatement s = c.prepareStatement(table.sql())) {
            table.bind(s, r);
            s.executeUpdate();
        }
    }

    @Test
    void aMatchingActiveSilenceRecordsTheTransitionWithoutSendingItAndTheOthersGoOut() throws Exception {
        POSTGRES.db().truncateKpiTables();
        POSTGRES.db().execute("TRUNCATE kpi.silences");
        episode("errs", "api", "critical");     // silenced by the first silence (rule and service match, T inside it)
        episode("errs", "worker", "critical");  // the second would match, but it is expired
        episode("slow", "api", "warning");      // the third matches the rule, but starts after T
        episode("silent", "api", "warning");    // the fourth wants severity critical
        episode("idle", "api", "info");         // in the rules file's daily 09:30-11:30 maintenance window
        long first = id(silence("add", "--match", "rule=errs,service=api", "--start", "2026-11-23T09:00:00Z", "--for", "2h",
                "--by", "alice", "--comment", "deploy of api"));
        long second = id(silence("add", "--match", "service=worker", "--start", "2026-11-23T09:00:00Z",
                "--end", "2026-11-23T11:00:00Z", "--by", "bob"));
        assertThat(silence("expire", String.valueOf(second))).isEqualTo("0 silence " + second + " expired");
        assertThat(silence("expire", String.valueOf(second))).startsWith("1 ");
        silence("add", "--match", "rule=slow", "--start", "2026-11-23T12:00:00Z", "--for", "1h", "--by", "carol");
        // also holds for errs/api, but the first silence comes first (lowest id)
        silence("add", "--match", "service=api,severity=critical", "--start", "2026-11-23T09:00:00Z", "--for", "3h",
                "--by", "dave");

        try (PostHogStandIn posthog = new PostHogStandIn(); SnsStandIn sns = new SnsStandIn()) {
            List<NotificationChannel> channels = List.of(
                    new PostHogChannel("phc_test_key", posthog.url(), Duration.ofSeconds(2)),
                    new SnsChannel("arn:aws:sns:us-east-1:123456789012:alerts", Region.US_EAST_1, sns.endpoint(),
                            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")),
                            Duration.ofSeconds(2)));
            try (AlertOutbox outbox = new AlertOutbox(POSTGRES.db().jdbc(), channels, Duration.ofMillis(100),
                    Duration.ofMillis(200), Duration.ofSeconds(1)).withMaintenance(com.gluu.kpi.testing.RulesFiles.load(
                            "rules: []\nmaintenance:\n  - {name: nightly, match: {rule: idle}, start: \"09:30\", duration: 2h}\n")
                            .maintenance()).start()) {
                assertThat(outbox.awaitDelivered(Duration.ofSeconds(30))).isZero();
            }
            List<String> sent = new ArrayList<>();
            for (PostHogStandIn.Event e : posthog.events()) {
                sent.add("posthog " + e.properties().get("alert_id").asText());
            }
            for (SnsStandIn.Publish p : sns.publishes()) {
                sent.add("sns " + p.subject());
            }
            assertThat(sent).containsExactlyInAnyOrder("posthog errs-worker", "posthog slow-api", "posthog silent-api",
                    "sns [CRITICAL] errs worker firing", "sns [WARNING] slow api firing", "sns [WARNING] silent api firing");
        }
        assertThat(POSTGRES.db().rows("SELECT alert_id, silenced_by, maintenance, posthog_seq, sns_seq, posthog_delivered_at"
                + " FROM kpi.alerts WHERE silenced_by IS NOT NULL OR maintenance IS NOT NULL ORDER BY alert_id"))
                .extracting(r -> r.get("alert_id") + " " + r.get("silenced_by") + " " + r.get("maintenance") + " "
                        + r.get("posthog_seq") + " " + r.get("sns_seq") + " " + r.get("posthog_delivered_at"))
                .containsExactly("errs-api " + first + " null 1 1 null", "idle-api null nightly 1 1 null");
    }

    @Test
    void listShowsTheActiveSilencesAndAddRefusesWhatCannotBeOne() throws Exception {
        POSTGRES.db().execute("TRUNCATE kpi.silences");
        long id = id(silence("add", "--match", "rule=no_data", "--for", "1h", "--by", "erin"));
        silence("add", "--match", "rule=old", "--start", "2020-01-01T00:00:00Z", "--for", "1h", "--by", "erin");
        String list = silence("list");
        assertThat(list).startsWith("0 " + id + "  {\"rule\": \"no_data\"}").contains("by erin").doesNotContain("old");
        assertThat(silence("list", "--all", "true")).contains("\"old\"");
        assertThatThrownBy(() -> silence("add", "--match", "rule", "--for", "1h", "--by", "x"))
                .hasMessageContaining("is not label=value");
        assertThatThrownBy(() -> silence("add", "--match", "rule=a", "--by", "x")).hasMessageContaining("--end");
        assertThatThrownBy(() -> silence("add", "--match", "rule=a", "--for", "1h")).hasMessageContaining("--by");
        assertThatThrownBy(() -> silence("add", "--match", "rule=a", "--start", "2026-01-01T10:00:00Z",
                "--end", "2026-01-01T09:00:00Z", "--by", "x")).hasMessageContaining("end after it starts");
    }
}
