package com.gluu.kpi.cli;

import com.gluu.kpi.cluster.StandaloneCluster;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.runtime.util.EnvironmentInformation;

/**
 * {@code cluster start | stop | status | add-taskmanager | kill-taskmanager | submit}: a
 * standalone Flink session cluster on 127.0.0.1 made of this jar's own Flink classes
 * ({@link StandaloneCluster}), for trying the job on a real cluster without Docker.
 *
 * <pre>
 * cluster start [--dir target/cluster] [--taskmanagers 2] [--slots 1] [--parallelism N] [--flink-web JAR]
 * cluster submit [--dir D] [--wait true] -- run --config jobs/local.yaml --events /abs/path.jsonl ...
 * cluster add-taskmanager [--dir D] | cluster kill-taskmanager --id tm-N [--dir D]
 * cluster status [--dir D] | cluster stop [--dir D]
 * </pre>
 * The processes get the environment of the command that starts them (so {@code KPI_JDBC_PASSWORD},
 * {@code POSTHOG_*}, {@code SNS_TOPIC_ARN} reach the TaskManagers as a container's environment
 * would); nothing secret is written to {@code --dir}.
 */
final class ClusterCommand {
    static final String DEFAULT_DIR = "target/cluster";

    private ClusterCommand() {}

    static int run(List<String> argv, PrintStream out) throws Exception {
        if (argv.isEmpty()) {
            throw new Args.UsageException("cluster needs start, stop, status, add-taskmanager, kill-taskmanager or submit");
        }
        List<String> rest = argv.subList(1, argv.size());
        switch (argv.get(0)) {
            case "start":
                return start(Args.parse(rest, Set.of("dir", "taskmanagers", "slots", "parallelism", "flink-web", "jar")), out);
            case "stop": {
                StandaloneCluster c = StandaloneCluster.attach(dir(Args.parse(rest, Set.of("dir"))));
                c.close();
                out.println("stopped " + c.pids().keySet());
                return 0;
            }
            case "status":
                return status(StandaloneCluster.attach(dir(Args.parse(rest, Set.of("dir")))), out);
            case "add-taskmanager": {
                StandaloneCluster c = StandaloneCluster.attach(dir(Args.parse(rest, Set.of("dir"))));
                String id = c.startTaskManager();
                out.println(id + " " + c.pids().get(id));
                return 0;
            }
            case "kill-taskmanager": {
                Args a = Args.parse(rest, Set.of("dir", "id"));
                if (a.get("id") == null) {
                    throw new Args.UsageException("kill-taskmanager needs --id tm-N (see cluster status)");
                }
                StandaloneCluster.attach(dir(a)).killTaskManager(a.get("id"));
                out.println("killed " + a.get("id") + " (SIGKILL)");
                return 0;
            }
            case "submit":
                return submit(rest, out);
            default:
                throw new Args.UsageException("unknown cluster command '" + argv.get(0) + "'");
        }
    }

    private static int start(Args a, PrintStream out) throws Exception {
        Path jar = jar(a);
        Path web = a.get("flink-web") != null ? Path.of(a.get("flink-web"))
                : jar.toAbsolutePath().getParent().resolve("flink-cluster/lib/flink-runtime-web-" + EnvironmentInformation.getVersion() + ".jar");
        if (!Files.exists(web)) {
            throw new IllegalArgumentException(web + " not found (mvn package copies it there; or give --flink-web JAR)");
        }
        int taskManagers = positive(a, "taskmanagers", 2);
        int slots = positive(a, "slots", 1);
        StandaloneCluster.Options options = new StandaloneCluster.Options(taskManagers, slots,
                positive(a, "parallelism", taskManagers * slots), Map.of(), true, List.of());
        StandaloneCluster c = StandaloneCluster.start(dir(a), jar, web, options);
        out.println("REST " + c.restUrl() + " (Flink UI)");
        c.pids().forEach((name, pid) -> out.println(name + " " + pid));
        out.println("written: " + c.dir().resolve("cluster.json") + ", rest-url, pids; logs in " + c.dir().resolve("logs"));
        return 0;
    }

    private static int status(StandaloneCluster c, PrintStream out) throws Exception {
        out.println("REST " + c.restUrl());
        List<String> live = c.liveTaskManagers();
        c.pids().forEach((name, pid) -> {
            if (!name.equals("jobmanager")) {
                out.println(name + " " + pid + (live.contains(name) ? " running" : " gone"));
            }
        });
        out.println("registered TaskManagers: " + c.get("/taskmanagers").path("taskmanagers").size());
        return 0;
    }

    /** Uploads the jar over REST and runs it with the arguments after {@code --}, as {@code docker/submit.sh} does. */
    private static int submit(List<String> argv, PrintStream out) throws Exception {
        int dash = argv.indexOf("--");
        if (dash < 0 || dash == argv.size() - 1) {
            throw new Args.UsageException("cluster submit needs the job's arguments after --, e.g. -- run --config jobs/local.yaml");
        }
        Args a = Args.parse(argv.subList(0, dash), Set.of("dir", "jar", "wait"));
        StandaloneCluster c = StandaloneCluster.attach(dir(a));
        String jarId = c.uploadJar(jar(a));
        String jobId = c.runJar(jarId, argv.subList(dash + 1, argv.size()));
        out.println("submitted job " + jobId + " (" + c.restUrl() + "/#/job/running/" + jobId + ")");
        if (!Boolean.parseBoolean(a.get("wait", "false"))) {
            return 0;
        }
        String state = c.awaitTerminal(jobId, Duration.ofDays(365));
        out.println("job " + jobId + " " + state);
        return state.equals("FINISHED") ? 0 : 1;
    }

    private static Path dir(Args a) {
        return Path.of(a.get("dir", DEFAULT_DIR));
    }

    /** {@code --jar}, else the jar this class was loaded from. */
    private static Path jar(Args a) throws URISyntaxException {
        if (a.get("jar") != null) {
            return Path.of(a.get("jar"));
        }
        Path self = Path.of(ClusterCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!self.toString().endsWith(".jar")) {
            throw new Args.UsageException("not running from gluu-kpi.jar: give --jar target/gluu-kpi.jar");
        }
        return self;
    }

    private static int positive(Args a, String name, int fallback) {
        String v = a.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new Args.UsageException("--" + name + " must be a positive whole number, not '" + v + "'");
    }
}
