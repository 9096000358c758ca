package com.gluu.kpi.cli;

import com.gluu.kpi.config.ConfigException;
import com.gluu.kpi.config.Durations;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.config.Setting;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Entry point of {@code target/gluu-kpi.jar}: {@code demo}, {@code run}, {@code migrate}, {@code dashboard}, {@code bench}, {@code cluster}. */
public final class Main {
    private static final String USAGE = String.join("\n",
            "usage: java -jar target/gluu-kpi.jar COMMAND [options]",
            "",
            "  demo [--serve [--port P]] embedded PostgreSQL + in-process Flink + bundled real trace; prints a KPI summary",
            "                            (--serve: then serves the dashboard on that database until Ctrl-C)",
            "  run [--config FILE] [--events FILE] [--jdbc-url URL] [--pricing FILE] [--rules FILE] [--resume]",
            "                            run the job (a JSON Lines replay ends when every window is written;",
            "                            --resume: continue a killed replay from its latest checkpoint)",
            "  migrate [--jdbc-url URL]  apply sql/ migrations to the database (idempotent)",
            "  bench [--events N] [--jdbc-url URL]",
            "                            replay N generated events into Postgres and print events/s",
            "  silence add --match rule=R,label=V [--start ISO] (--end ISO | --for 2h) --by NAME [--comment TEXT]",
            "  silence list [--all true] | silence expire ID",
            "                            silences: matching alert transitions are recorded, not sent",
            "  dashboard [--jdbc-url URL] [--port P] [--host H]",
            "                            serve the KPI dashboard (default 127.0.0.1:8090; another host needs DASHBOARD_TOKEN)",
            "  config-keys               list every config key with its default and meaning",
            "  cluster start [--dir target/cluster] [--taskmanagers 2] [--slots 1] [--parallelism N]",
            "                            a standalone Flink cluster on 127.0.0.1 from this jar's Flink classes",
            "                            (separate JVMs; REST URL and PIDs in DIR/cluster.json, rest-url, pids)",
            "  cluster submit [--dir D] [--wait true] -- run --config jobs/local.yaml --events /abs/file ...",
            "                            upload this jar to it over REST and run the job there",
            "  cluster status | stop | add-taskmanager | kill-taskmanager --id tm-N   [--dir D]",
            "",
            "Connection settings come from the environment: KPI_JDBC_URL, KPI_JDBC_USER, KPI_JDBC_PASSWORD.");

    private Main() {}

    public static void main(String[] argv) throws Exception {
        if (insideFlink()) {
            // REST /jars/{id}/run and application mode call this main inside the JobManager, where
            // System.exit would stop the JobManager itself: return, or fail the submission.
            int code = run(argv);
            if (code != 0) {
                throw new IllegalArgumentException("gluu-kpi " + String.join(" ", argv)
                        + " failed with exit code " + code + " (the reason is printed just before)");
            }
            return;
        }
        System.exit(run(argv));
    }

    /**
     * True when Flink started this main (a {@code flink run} client, the REST API or application
     * mode): the execution environment Flink hands out is then not a local one, and
     * {@code execute()} submits to that cluster instead of starting one in this JVM.
     */
    static boolean insideFlink() {
        return !(StreamExecutionEnvironment.getExecutionEnvironment() instanceof LocalStreamEnvironment);
    }

    /** Runs one command and returns the process exit code. */
    public static int run(String... argv) throws Exception {
        if (argv.length == 0) {
            System.err.println(USAGE);
            return 2;
        }
        List<String> rest = Arrays.asList(argv).subList(1, argv.length);
        try {
            switch (argv[0]) {
                case "run":
                    return RunCommand.run(rest);
                case "migrate":
                    return RunCommand.migrate(rest);
                case "demo":
                    return DemoCommand.run(rest);
                case "dashboard":
                    return DashboardCommand.run(rest);
                case "bench":
                    return BenchCommand.run(rest);
                case "silence":
                    return SilenceCommand.run(rest, System.out);
                case "cluster":
                    return ClusterCommand.run(rest, System.out);
                case "config-keys":
                    printConfigKeys();
                    return 0;
                case "help":
                case "--help":
                case "-h":
                    System.out.println(USAGE);
                    return 0;
                default:
                    System.err.println("unknown command '" + argv[0] + "'\n\n" + USAGE);
                    return 2;
            }
        } catch (ConfigException | Args.UsageException | IllegalArgumentException e) {
            System.err.println("gluu-kpi: " + e.getMessage());
            return 2;
        }
    }

    private static void printConfigKeys() {
        for (Setting<?> s : JobConfig.SETTINGS) {
            System.out.printf("%-28s %-12s %s%n", s.key(), written(s.defaultValue()), s.description());
        }
    }

    private static String written(Object value) {
        if (value instanceof Duration) {
            return Durations.format((Duration) value);
        }
        return String.valueOf(value);
    }
}
