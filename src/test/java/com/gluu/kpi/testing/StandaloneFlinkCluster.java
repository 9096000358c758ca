package com.gluu.kpi.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A standalone Flink session cluster on 127.0.0.1 started from Flink's own classes: a JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code TaskManagerRunner}), each
 * its own JVM, as the distribution's {@code jobmanager.sh} / {@code taskmanager.sh} start them,
 * with a generated {@code config.yaml}. Talks to it through the REST API only.
 *
 * <p>The classpath is Flink's (the runtime classpath the build writes into
 * {@code <dir>/classpath.txt} without this project's application libraries, and
 * {@code <dir>/lib/flink-runtime-web}); the job's classes come only from the uploaded jar. Each
 * process logs to {@code <dir>/logs/<name>.log} and {@code .out}; every process runs in its own
 * working folder under {@code <dir>/work}, not in the repository.
 */
public final class StandaloneFlinkCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Path conf;
    private final int restPort;
    private final List<String> addOpens;
    private final Map<String, String> environment;
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private StandaloneFlinkCluster(Path dir, List<String> addOpens, Map<String, String> environment) throws IOException {
        this.dir = dir;
        this.conf = dir.resolve("conf");
        this.restPort = freePort();
        this.addOpens = addOpens;
        this.environment = environment;
        Files.createDirectories(conf);
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(conf.resolve("config.yaml"), String.join("\n",
                "jobmanager.rpc.address: 127.0.0.1",
                "jobmanager.rpc.port: " + freePort(),
                "jobmanager.bind-host: 127.0.0.1",
                "jobmanager.memory.process.size: 700m",
                "taskmanager.host: 127.0.0.1",
                "taskmanager.bind-host: 127.0.0.1",
                "taskmanager.numberOfTaskSlots: 1",
                "taskmanager.memory.process.size: 900m",
                "taskmanager.memory.managed.size: 64m",
                "taskmanager.memory.network.min: 32m",
                "taskmanager.memory.network.max: 32m",
                "rest.address: 127.0.0.1",
                "rest.bind-address: 127.0.0.1",
                "rest.port: " + restPort,
                "blob.server.port: 0",
                "parallelism.default: 2",
                "web.upload.dir: " + dir.resolve("uploads"),
                "io.tmp.dirs: " + dir.resolve("tmp"),
                // What docker/flink-deployment.yaml sets to s3://: the job leaves checkpoint storage to the cluster.
                "state.checkpoints.dir: " + dir.resolve("checkpoints").toUri(),
                // A lost TaskManager is noticed within seconds, not the default 50 s.
                "heartbeat.interval: 1000",
                "heartbeat.timeout: 5000",
                ""));
        Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = MainAppender",
                "appender.main.name = MainAppender",
                "appender.main.type = File",
                "appender.main.fileName = ${sys:log.file}",
                "appender.main.layout.type = PatternLayout",
                "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                ""));
    }

    /**
     * Starts the JobManager and {@code taskManagers} TaskManagers (one slot each) and waits until
     * every TaskManager has registered. {@code environment} is added to every process's
     * environment (as a Kubernetes Secret or an ECS task definition would).
     */
    public static StandaloneFlinkCluster start(Path dir, int taskManagers, List<String> addOpens,
            Map<String, String> environment) throws Exception {
        StandaloneFlinkCluster cluster = new StandaloneFlinkCluster(dir, addOpens, environment);
        try {
            cluster.launch("jobmanager", "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                    cluster.resourceParameters("GET_JM_RESOURCE_PARAMS"));
            for (int i = 1; i <= taskManagers; i++) {
                cluster.startTaskManager(i);
            }
            cluster.awaitTaskManagers(taskManagers, Duration.ofSeconds(60));
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** Starts TaskManager {@code tm-<n>}; returns its process. */
    public Process startTaskManager(int n) throws Exception {
        Resources tm = resourceParameters("GET_TM_RESOURCE_PARAMS");
        List<String> dynamic = new ArrayList<>(tm.dynamicProperties);
        dynamic.addAll(List.of("-D", "taskmanager.resource-id=tm-" + n));
        return launch("taskmanager-" + n, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                new Resources(tm.jvmOptions, dynamic));
    }

    /** JVM options (heap, direct, metaspace) and dynamic properties a Flink process needs. */
    private record Resources(List<String> jvmOptions, List<String> dynamicProperties) {}

    /**
     * What {@code bin/jobmanager.sh} / {@code taskmanager.sh} do before starting a process: ask
     * Flink's {@code BashJavaUtils} to derive the JVM memory options and the memory/CPU settings
     * from {@code config.yaml} (a TaskManager refuses to start without the latter).
     */
    private Resources resourceParameters(String command) throws Exception {
        Process p = new ProcessBuilder(javaCommand("BashJavaUtils", "org.apache.flink.runtime.util.bash.BashJavaUtils",
                List.of(), List.of(command, "--configDir", conf.toString()))).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("BashJavaUtils " + command + " failed: " + output);
        }
        List<String> results = output.lines().filter(l -> l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:"))
                .map(l -> l.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()).trim()).toList();
        // The last two results: the JVM options, then the dynamic properties (as the scripts read them).
        List<String> jvm = Arrays.asList(results.get(results.size() - 2).split(" "));
        List<String> dynamic = Arrays.asList(results.get(results.size() - 1).split(" "));
        return new Resources(jvm, dynamic.size() == 1 && dynamic.get(0).isEmpty() ? List.of() : dynamic);
    }

    private List<String> javaCommand(String name, String mainClass, List<String> jvmOptions, List<String> programArgs)
            throws IOException {
        List<String> classpath = new ArrayList<>();
        try (var jars = Files.list(dir.resolve("lib"))) {
            jars.map(Path::toString).sorted().forEach(classpath::add);
        }
        classpath.add(Files.readString(dir.resolve("classpath.txt")).trim());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(addOpens);
        command.addAll(List.of("-Dlog.file=" + dir.resolve("logs").resolve(name + ".log"),
                "-Dlog4j.configurationFile=file:" + conf.resolve("log4j.properties"),
                "-cp", String.join(java.io.File.pathSeparator, classpath), mainClass));
        command.addAll(programArgs);
        return command;
    }

    private Process launch(String name, String mainClass, Resources resources) throws IOException {
        List<String> args = new ArrayList<>(List.of("--configDir", conf.toString()));
        args.addAll(resources.dynamicProperties);
        List<String> command = javaCommand(name, mainClass, resources.jvmOptions, args);
        Path work = Files.createDirectories(dir.resolve("work").resolve(name));
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("logs").resolve(name + ".out").toFile());
        pb.environment().putAll(environment);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private void awaitTaskManagers(int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a Flink process exited with " + p.exitValue() + "; see " + dir.resolve("logs"));
                }
            }
            try {
                if (get("/taskmanagers").path("taskmanagers").size() >= count) {
                    return;
                }
            } catch (IOException notUpYet) {
                // the REST endpoint is not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(count + " TaskManagers not registered within " + timeout + "; see " + dir.resolve("logs"));
            }
            Thread.sleep(250);
        }
    }

    public String restUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl() + path)).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        return answer(path, r);
    }

    /** {@code POST /jars/upload} (multipart, field {@code jarfile}); returns the jar id. */
    public String uploadJar(Path jar) throws IOException, InterruptedException {
        String boundary = "----gluu" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl() + "/jars/upload"))
                .timeout(Duration.ofMinutes(2)).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        String filename = answer("/jars/upload", r).path("filename").asText();
        return Path.of(filename).getFileName().toString();
    }

    /** {@code POST /jars/{id}/run}: runs the jar's main in the JobManager; returns the job id. */
    public String runJar(String jarId, List<String> programArgs) throws IOException, InterruptedException {
        String request = JSON.writeValueAsString(Map.of("programArgsList", programArgs));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl() + "/jars/" + jarId + "/run"))
                .timeout(Duration.ofMinutes(2)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request)).build(), HttpResponse.BodyHandlers.ofString());
        return answer("/jars/" + jarId + "/run", r).path("jobid").asText();
    }

    /** Polls {@code /jobs/{id}} until the job reaches a terminal state; returns that state. */
    public String awaitTerminal(String jobId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String state = get("/jobs/" + jobId).path("state").asText();
            if (List.of("FINISHED", "FAILED", "CANCELED").contains(state)) {
                return state;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("job " + jobId + " still " + state + " after " + timeout + "; see " + dir.resolve("logs"));
            }
            Thread.sleep(250);
        }
    }

    private static JsonNode answer(String path, HttpResponse<String> r) throws IOException {
        if (r.statusCode() / 100 != 2) {
            throw new IOException(path + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** Stops every process (forcibly after 10 s); their logs stay in {@code <dir>/logs}. */
    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
