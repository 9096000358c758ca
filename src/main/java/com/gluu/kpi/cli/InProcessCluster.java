package com.gluu.kpi.cli;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.flink.api.dag.Pipeline;
import org.apache.flink.client.deployment.executors.PipelineExecutorUtils;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The in-process Flink cluster of a replay ({@code run} with {@code java -jar}), started on a
 * thread of its own as soon as the configuration is known.
 *
 * <p>Why: Flink's local executor starts its MiniCluster only inside {@code execute()}, after the
 * migrations and the job graph, and the cluster's own start (RPC system, BLOB server, TaskManager,
 * dispatcher, about 1.5–2 s on this 2-core VM) then runs alone. Started here, it runs on the second
 * core while the main thread migrates the database and builds the job graph (README "Performance",
 * start-up). It is the cluster the local executor would start — the same configuration, one
 * TaskManager with a slot for each subtask of the widest operator, an ephemeral REST port — only
 * earlier; jobs reach it through an ordinary {@link StreamExecutionEnvironment}
 * ({@link #environment}), so {@code execute()} and its result are Flink's own.
 *
 * <p>The demo keeps the local executor: started beside its embedded PostgreSQL, this cluster only
 * took CPU from the database's start (3 demo runs each way on 2 cores: no gain).
 */
final class InProcessCluster implements AutoCloseable {
    private static final String EXECUTOR_NAME = "gluu-kpi-in-process";

    private final Configuration flink;
    private final int slots;
    private final CompletableFuture<MiniCluster> started = new CompletableFuture<>();

    private InProcessCluster(Configuration flink, int slots) {
        this.flink = new Configuration(flink);
        this.slots = slots;
    }

    /**
     * Starts a cluster with {@code flink} (the job's Flink settings, as {@code KpiJob} makes them)
     * and {@code slots} task slots; returns at once.
     */
    static InProcessCluster startInBackground(Configuration flink, int slots) {
        InProcessCluster cluster = new InProcessCluster(flink, slots);
        Thread starter = new Thread(cluster::start, "in-process Flink cluster start");
        starter.setDaemon(true);
        starter.start();
        return cluster;
    }

    private void start() {
        Configuration clusterSettings = new Configuration(flink);
        if (!clusterSettings.contains(RestOptions.BIND_PORT)) {
            clusterSettings.set(RestOptions.BIND_PORT, "0"); // as the local executor: never a fixed port
        }
        try {
            MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                    .setConfiguration(clusterSettings)
                    .setNumSlotsPerTaskManager(slots)
                    .build());
            cluster.start();
            started.complete(cluster);
        } catch (Throwable e) {
            started.completeExceptionally(e);
        }
    }

    /**
     * An execution environment with {@code flink} as its configuration whose {@code execute()}
     * runs the job on this cluster (waiting for its start if need be) and returns when it ends.
     */
    StreamExecutionEnvironment environment() {
        Configuration settings = new Configuration(flink);
        settings.set(DeploymentOptions.TARGET, EXECUTOR_NAME);
        settings.set(DeploymentOptions.ATTACHED, true); // execute() waits for the job's result
        return new StreamExecutionEnvironment(new ThisCluster(), settings, InProcessCluster.class.getClassLoader());
    }

    /** Shuts the cluster down, without waiting (as the local executor does after its job); idempotent. */
    @Override
    public void close() {
        started.thenAccept(MiniCluster::closeAsync);
    }

    private CompletableFuture<JobClient> submit(Pipeline pipeline, Configuration settings, ClassLoader classLoader)
            throws Exception {
        JobGraph job = PipelineExecutorUtils.getJobGraph(pipeline, settings, classLoader);
        if (job.getMaximumParallelism() > slots) {
            // The slot request would otherwise wait for a slot that never comes.
            throw new IllegalStateException("the job needs " + job.getMaximumParallelism()
                    + " slots; the in-process cluster was started with " + slots);
        }
        return started.thenCompose(cluster -> cluster.submitJob(job)
                .thenApply(submitted -> new MiniClusterJobClient(submitted.getJobID(), cluster, classLoader,
                        MiniClusterJobClient.JobFinalizationBehavior.NOTHING)));
    }

    /** Routes every environment of {@link #environment} to this cluster. */
    private final class ThisCluster implements PipelineExecutorServiceLoader, PipelineExecutorFactory {
        @Override
        public PipelineExecutorFactory getExecutorFactory(Configuration configuration) {
            return this;
        }

        @Override
        public Stream<String> getExecutorNames() {
            return List.of(EXECUTOR_NAME).stream();
        }

        @Override
        public String getName() {
            return EXECUTOR_NAME;
        }

        @Override
        public boolean isCompatibleWith(Configuration configuration) {
            return EXECUTOR_NAME.equals(configuration.get(DeploymentOptions.TARGET));
        }

        @Override
        public PipelineExecutor getExecutor(Configuration configuration) {
            return InProcessCluster.this::submit;
        }
    }
}
