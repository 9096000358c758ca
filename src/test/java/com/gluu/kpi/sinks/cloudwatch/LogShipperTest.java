package com.gluu.kpi.sinks.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.testing.CloudWatchLogsStandIn;
import com.gluu.kpi.testing.CloudWatchLogsStandIn.Batch;
import com.gluu.kpi.testing.CloudWatchLogsStandIn.LogEvent;
import com.gluu.kpi.testing.HttpStandIn.Mode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shipper through the real SDK client against the CloudWatch Logs stand-in. */
class LogShipperTest {
    static final long T0 = System.currentTimeMillis();

    @BeforeAll
    static void credentials() {
        System.setProperty("aws.accessKeyId", "AKIDTEST");
        System.setProperty("aws.secretAccessKey", "test-secret");
    }

    @AfterAll
    static void noCredentials() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    static LogShipper.Options options(int capacity, Duration closeTimeout) {
        return new LogShipper.Options(capacity, Duration.ofMillis(50), Duration.ofMillis(20), Duration.ofMillis(200),
                closeTimeout, Duration.ofMillis(100));
    }

    static LogShipper shipper(String endpoint, String stream, LogShipper.Options options) {
        CloudWatchSettings settings = new CloudWatchSettings("gluu-test", "us-east-1", endpoint);
        return new LogShipper(settings.client(), settings.logGroup, stream, options);
    }

    @Test
    void moreThanTenThousandEventsAndAMebibyteArriveInBatchesWithinTheLimitsInOrder() throws Exception {
        try (CloudWatchLogsStandIn cw = new CloudWatchLogsStandIn()) {
            LogShipper shipper = shipper(cw.url(), "limits", options(100_000, Duration.ofSeconds(30)));
            // 25,000 lines of 120–180 ASCII bytes plus multi-byte text (~4 MB), timestamps
            // jittered so that arrival order is not time order, and one line over 256 KiB.
            Random random = new Random(7);
            List<String> offered = new ArrayList<>();
            for (int i = 0; i < 25_000; i++) {
                String line = "{\"n\":" + i + ",\"text\":\"" + "x".repeat(100 + random.nextInt(60)) + "ü€\"}";
                offered.add(line);
                shipper.offer(T0 + i / 10 + random.nextInt(500), line);
            }
            String huge = "h".repeat(300_000);
            shipper.offer(T0, huge);
            shipper.close();

            assertThat(cw.invalidRequests()).isZero();
            assertThat(cw.operations()).startsWith("CreateLogGroup", "CreateLogStream");
            assertThat(cw.streams("gluu-test")).containsExactly("limits");
            long total = 0;
            List<String> arrived = new ArrayList<>();
            String cut = null;
            for (Batch b : cw.batches()) {
                long bytes = 0;
                for (LogEvent e : b.events()) {
                    bytes += e.message().getBytes(StandardCharsets.UTF_8).length + 26;
                }
                assertThat(bytes).isLessThanOrEqualTo(1_048_576);
                assertThat(b.events()).hasSizeLessThanOrEqualTo(10_000);
                assertThat(b.events()).extracting(LogEvent::timestamp).isSorted();
                total += b.events().size();
                for (LogEvent e : b.events()) {
                    if (e.message().startsWith("hhh")) {
                        cut = e.message();
                    } else {
                        arrived.add(e.message());
                    }
                }
            }
            // ~4 MB cannot go in fewer than 4 batches.
            assertThat(cw.batches().size()).isGreaterThanOrEqualTo(4);
            assertThat(total).isEqualTo(25_001);
            assertThat(arrived).containsExactlyInAnyOrderElementsOf(offered);
            assertThat(cut).endsWith(" …[cut]");
            assertThat(cut.getBytes(StandardCharsets.UTF_8).length + 26).isLessThanOrEqualTo(262_144);
            assertThat(shipper.dropped()).isZero();
            assertThat(shipper.sent()).isEqualTo(25_001);
        }
    }

    @Test
    void throttlingIsRetriedWithBackoffAndNothingIsLost() throws Exception {
        try (CloudWatchLogsStandIn cw = new CloudWatchLogsStandIn()) {
            cw.throttleNext(3);
            LogShipper shipper = shipper(cw.url(), "throttled", options(1_000, Duration.ofSeconds(30)));
            for (int i = 0; i < 10; i++) {
                shipper.offer(T0 + i, "line " + i);
            }
            shipper.close();
            assertThat(cw.throttledRequests()).isEqualTo(3);
            assertThat(cw.events("throttled")).extracting(LogEvent::message)
                    .containsExactly("line 0", "line 1", "line 2", "line 3", "line 4", "line 5", "line 6", "line 7",
                            "line 8", "line 9");
            assertThat(shipper.dropped()).isZero();
        }
    }

    @Test
    void aGroupThatExistsAlreadyIsFineAndEachShipperMakesItsStream() throws Exception {
        try (CloudWatchLogsStandIn cw = new CloudWatchLogsStandIn()) {
            // The group exists already (made by someone else): ResourceAlreadyExists is fine.
            LogShipper first = shipper(cw.url(), "s1", options(100, Duration.ofSeconds(10)));
            first.offer(T0, "a");
            first.close();
            LogShipper second = shipper(cw.url(), "s2", options(100, Duration.ofSeconds(10)));
            second.offer(T0, "b");
            second.close();
            assertThat(cw.events("s1")).extracting(LogEvent::message).containsExactly("a");
            assertThat(cw.events("s2")).extracting(LogEvent::message).containsExactly("b");
            assertThat(cw.streams("gluu-test")).containsExactly("s1", "s2");
        }
    }

    @Test
    void aHangingCloudWatchNeverBlocksTheCallerAndTheLossIsCounted() throws Exception {
        try (CloudWatchLogsStandIn cw = new CloudWatchLogsStandIn()) {
            cw.mode(Mode.HANG);
            LogShipper shipper = shipper(cw.url(), "hanging", options(100, Duration.ofMillis(500)));
            // 5,000 offers while every call to CloudWatch hangs: they complete (bounded wait only
            // so that a blocking shipper fails this test instead of hanging it).
            CompletableFuture<Void> offers = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 5_000; i++) {
                    shipper.offer(T0 + i, "line " + i);
                }
            });
            offers.get(60, TimeUnit.SECONDS);
            shipper.close();
            assertThat(cw.hungRequests()).isPositive();
            assertThat(cw.batches()).isEmpty();
            assertThat(shipper.sent()).isZero();
            assertThat(shipper.dropped()).isEqualTo(5_000);
        }
    }

    @Test
    void cloudWatchDownDropsTheOldestCountsEveryLossAndSaysSo() throws Exception {
        CloudWatchLogsStandIn gone = new CloudWatchLogsStandIn();
        String url = gone.url();
        gone.close(); // connection refused from now on
        List<String> warnings = new ArrayList<>();
        var capture = CapturingAppender.attach("com.gluu.kpi.sinks.cloudwatch.LogShipper", warnings);
        try {
            LogShipper shipper = shipper(url, "down", options(100, Duration.ofMillis(300)));
            for (int i = 0; i < 1_000; i++) {
                shipper.offer(T0 + i, "line " + i);
            }
            shipper.close();
            assertThat(shipper.sent()).isZero();
            assertThat(shipper.dropped()).isEqualTo(1_000);
            assertThat(String.join("\n", warnings)).contains("line(s) dropped").contains("1000 in total");
        } finally {
            capture.close();
        }
    }

    @Test
    void aBatchOfEventsCloudWatchRefusesAsTooOldIsCounted() {
        var info = software.amazon.awssdk.services.cloudwatchlogs.model.RejectedLogEventsInfo.builder()
                .tooOldLogEventEndIndex(3).tooNewLogEventStartIndex(8).build();
        // events 0,1,2 too old; 8,9 too new: 5 of 10 refused
        assertThat(LogShipper.refused(info, 10)).isEqualTo(5);
        assertThat(LogShipper.refused(null, 10)).isZero();
        assertThat(LoggerContext.class).isNotNull();
        assertThat(LogManager.getContext(false)).isNotNull();
    }
}
