package com.gluu.kpi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link InProcessCluster}: a job submitted through its environment runs on the cluster started in
 * the background and returns Flink's own result (accumulators, failures). The {@code run} command
 * end to end on it: ResumeRunITCase, NoSecretInLogsITCase (both start {@code run} as a process).
 */
@Timeout(180) // a cluster that never starts would otherwise hang the build
class InProcessClusterITCase {

    @Test
    void runsJobsOnTheClusterStartedInTheBackgroundAndReturnsTheirAccumulators() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.startInBackground(noRestarts(), 2)) {
            // Two jobs on the same cluster: the second must not start another one or find it closed.
            for (long n : new long[] {1_000, 20}) {
                StreamExecutionEnvironment env = cluster.environment();
                env.setParallelism(2);
                env.fromSequence(1, n).map(new Summing()).sinkTo(new DiscardingSink<>());

                JobExecutionResult result = env.execute("sum 1.." + n);

                // 1 + 2 + … + n = n (n + 1) / 2: 500,500 and 210, summed over both subtasks.
                assertThat(result.<Long>getAccumulatorResult("sum")).isEqualTo(n * (n + 1) / 2);
            }
        }
    }

    @Test
    void aFailingJobFailsExecuteWithItsCause() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.startInBackground(noRestarts(), 1)) {
            StreamExecutionEnvironment env = cluster.environment();
            env.setParallelism(1);
            env.fromSequence(1, 10).map(v -> {
                if (v == 7) {
                    throw new IllegalArgumentException("record 7 is bad");
                }
                return v;
            }).returns(Long.class).sinkTo(new DiscardingSink<>());

            assertThatThrownBy(() -> env.execute("fails at 7"))
                    .satisfies(e -> assertThat(ExceptionUtils.findThrowableWithMessage(e, "record 7 is bad")).isPresent());
        }
    }

    @Test
    void aJobWiderThanTheClusterIsRefusedAtOnceInsteadOfWaitingForSlots() {
        try (InProcessCluster cluster = InProcessCluster.startInBackground(noRestarts(), 1)) {
            StreamExecutionEnvironment env = cluster.environment();
            env.setParallelism(2);
            env.fromSequence(1, 10).sinkTo(new DiscardingSink<>());

            assertThatThrownBy(() -> env.execute("too wide"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("the job needs 2 slots; the in-process cluster was started with 1");
        }
    }

    private static Configuration noRestarts() {
        Configuration flink = new Configuration();
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return flink;
    }

    /** Adds every value to the accumulator {@code sum}. */
    private static final class Summing extends RichMapFunction<Long, Long> {
        private final LongCounter sum = new LongCounter();

        @Override
        public void open(OpenContext context) {
            getRuntimeContext().addAccumulator("sum", sum);
        }

        @Override
        public Long map(Long value) {
            sum.add(value);
            return value;
        }
    }
}
