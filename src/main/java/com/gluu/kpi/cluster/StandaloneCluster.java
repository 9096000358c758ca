package com.gluu.kpi.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

/**
 * A standalone Flink session cluster on 127.0.0.1 started from the Flink classes inside
 * {@code gluu-kpi.jar}: a JobManager ({@code StandaloneSessionClusterEntrypoint}) and
 * TaskManagers ({@code TaskManagerRunner}), each its own JVM, as the distribution's
 * {@code jobmanager.sh} / {@code taskmanager.sh} start them, with a generated {@code config.yaml}.
 * Talks to it through the REST API only.
 *
 * <p>Layout of {@code dir}: {@code conf/} (config.yaml, log4j.properties), {@code lib/} (the
 * jar's Flink classes, see {@link FlinkClasses}, and {@code flink-runtime-web} for the REST jar
 * upload), {@code logs/<name>.log|.out}, {@code work/<name>/} (each process's working folder, not
 * the repository), {@code checkpoints/}, and the files a script reads: {@code cluster.json}
 * (REST URL and every process's PID), {@code rest-url} (one line) and {@code pids} (lines
 * {@code NAME PID}). No secret is written there: the processes get them from the environment.
 *
 * <p>The processes outlive the JVM that started them ({@code gluu-kpi cluster start} returns);
 * {@link #attach} finds them again from {@code cluster.json}.
 */
public final class StandaloneCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String JOBMANAGER = "jobmanager";

    private final Path dir;
    private final Path conf;
    private final String restUrl;
    private final Map<String, String> environment;
    private final boolean inheritEnvironment;
    private final Map<String, Long> pids = new LinkedHashMap<>(); // jobmanager, tm-1, tm-2, ... (live or not)
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private StandaloneCluster(Path dir, String restUrl, Map<String, String> environment, boolean inheritEnvironment) {
        this.dir = dir.toAbsolutePath();
        this.conf = this.dir.resolve("conf");
        this.restUrl = restUrl;
        this.environment = environment;
        this.inheritEnvironment = inheritEnvironment;
    }

    /** What to start: the counts, and what the processes' environment holds. */
    public record Options(int taskManagers, int slotsPerTaskManager, int parallelism, Map<String, String> environment,
            boolean inheritEnvironment, List<String> extraConfig) {
        /** {@code taskManagers} TaskManagers of one slot each, parallelism {@code taskManagers}, this process's environment. */
        public static Options of(int taskManagers) {
            return new Options(taskManagers, 1, taskManagers, Map.of(), true, List.of());
        }

        public Options withEnvironment(Map<String, String> env, boolean inherit) {
            return new Options(taskManagers, slotsPerTaskManager, parallelism, env, inherit, extraConfig);
        }

        /** Lines appended to {@code config.yaml} ({@code key: value}; a later line wins). */
        public Options withConfig(List<String> lines) {
            return new Options(taskManagers, slotsPerTaskManager, parallelism, environment, inheritEnvironment, lines);
        }

        public Options withParallelism(int p) {
            return new Options(taskManagers, slotsPerTaskManager, p, environment, inheritEnvironment, extraConfig);
        }
    }

    /**
     * Prepares {@code dir} (the jar's Flink classes, {@code flinkWeb} copied to {@code lib/}, a
     * fresh config with free ports), starts the JobManager and the TaskManagers, waits until every
     * TaskManager has registered and writes {@code cluster.json}. On failure stops what it started.
     *
     * @param gluuJar the shaded jar whose Flink classes the processes run
     * @param flinkWeb the {@code flink-runtime-web} jar of the same Flink version (REST jar upload)
     */
    public static StandaloneCluster start(Path dir, Path gluuJar, Path flinkWeb, Options options) throws Exception {
        if (Files.exists(dir.resolve("cluster.json"))) {
            Optional<StandaloneCluster> running = attachIfRunning(dir);
            if (running.isPresent()) {
                throw new IllegalStateException("a cluster is already running from " + dir + " (" + running.get().restUrl()
                        + "); stop it first");
            }
        }
        Path lib = Files.createDirectories(dir.resolve("lib"));
        FlinkClasses.extract(gluuJar, lib.resolve("flink-classes.jar"));
        Path web = lib.resolve("flink-runtime-web.jar");
        if (!Files.exists(web) || Files.size(web) != Files.size(flinkWeb)) {
            Files.copy(flinkWeb, web, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(dir.resolve("jvm-options"), String.join(" ", addOpens(gluuJar)) + "\n");
        int restPort = freePort();
        StandaloneCluster cluster = new StandaloneCluster(dir, "http://127.0.0.1:" + restPort, options.environment(),
                options.inheritEnvironment());
        cluster.writeConfig(restPort, options);
        try {
            cluster.launch(JOBMANAGER, "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                    cluster.resourceParameters("GET_JM_RESOURCE_PARAMS"));
            for (int i = 0; i < options.taskManagers(); i++) {
                cluster.launchTaskManager();
            }
            cluster.awaitTaskManagers(options.taskManagers(), Duration.ofSeconds(90));
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** The cluster {@code cluster.json} in {@code dir} describes; new TaskManagers get this process's environment. */
    public static StandaloneCluster attach(Path dir) throws IOException {
        Path file = dir.resolve("cluster.json");
        if (!Files.exists(file)) {
            throw new IllegalStateException("no cluster in " + dir + " (" + file + " not found)");
        }
        JsonNode state = JSON.readTree(file.toFile());
        StandaloneCluster cluster = new StandaloneCluster(dir, state.path("rest_url").asText(), Map.of(), true);
        cluster.pids.put(JOBMANAGER, state.path("jobmanager").path("pid").asLong());
        for (JsonNode tm : state.path("taskmanagers")) {
            cluster.pids.put(tm.path("id").asText(), tm.path("pid").asLong());
        }
        return cluster;
    }

    private static Optional<StandaloneCluster> attachIfRunning(Path dir) throws IOException {
        StandaloneCluster c = attach(dir);
        return c.process(JOBMANAGER).isPresent() ? Optional.of(c) : Optional.empty();
    }

    private void writeConfig(int restPort, Options options) throws IOException {
        Files.createDirectories(conf);
        Files.createDirectories(dir.resolve("logs"));
        List<String> lines = new ArrayList<>(List.of(
                "jobmanager.rpc.address: 127.0.0.1",
                "jobmanager.rpc.port: " + freePort(),
                "jobmanager.bind-host: 127.0.0.1",
                "jobmanager.memory.process.size: 700m",
                "taskmanager.host: 127.0.0.1",
                "taskmanager.bind-host: 127.0.0.1",
                "taskmanager.numberOfTaskSlots: " + options.slotsPerTaskManager(),
                "taskmanager.memory.process.size: 900m",
                "taskmanager.memory.managed.size: 64m",
                "taskmanager.memory.network.min: 32m",
                "taskmanager.memory.network.max: 32m",
                "rest.address: 127.0.0.1",
                "rest.bind-address: 127.0.0.1",
                "rest.port: " + restPort,
                "blob.server.port: 0",
                "parallelism.default: " + options.parallelism(),
                "web.upload.dir: " + dir.resolve("uploads"),
                "io.tmp.dirs: " + dir.resolve("tmp"),
                // What docker/flink-deployment.yaml sets to s3://: the job leaves checkpoint storage to the cluster.
                "state.checkpoints.dir: " + dir.resolve("checkpoints").toUri(),
                // A lost TaskManager is noticed within seconds, not the default 50 s.
                "heartbeat.interval: 1000",
                "heartbeat.timeout: 5000"));
        lines.addAll(options.extraConfig());
        lines.add("");
        Files.writeString(conf.resolve("config.yaml"), String.join("\n", lines));
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

    /** Starts one more TaskManager ({@code tm-<n>}, n one past the highest so far) and returns its id. */
    public synchronized String startTaskManager() throws Exception {
        String id = launchTaskManager();
        writeState();
        return id;
    }

    private String launchTaskManager() throws Exception {
        int n = 1;
        for (String name : pids.keySet()) {
            if (name.startsWith("tm-")) {
                n = Math.max(n, Integer.parseInt(name.substring(3)) + 1);
            }
        }
        String id = "tm-" + n;
        Resources tm = resourceParameters("GET_TM_RESOURCE_PARAMS");
        List<String> dynamic = new ArrayList<>(tm.dynamicProperties);
        dynamic.addAll(List.of("-D", "taskmanager.resource-id=" + id));
        launch(id, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", new Resources(tm.jvmOptions, dynamic));
        return id;
    }

    /** Kills TaskManager {@code id} with SIGKILL (no shutdown hook runs, as in an OOM kill) and waits until it is gone. */
    public synchronized void killTaskManager(String id) throws InterruptedException {
        ProcessHandle p = process(id).orElseThrow(() -> new IllegalStateException(id + " is not running"));
        p.destroyForcibly();
        try {
            p.onExit().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(id + " (pid " + p.pid() + ") did not exit after SIGKILL", e);
        }
    }

    /** Ids of the TaskManagers whose process is alive. */
    public synchronized List<String> liveTaskManagers() {
        return pids.keySet().stream().filter(n -> n.startsWith("tm-") && process(n).isPresent()).toList();
    }

    /** PIDs of every process started so far, by name (jobmanager, tm-1, ...). */
    public synchronized Map<String, Long> pids() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pids));
    }

    /**
     * The live process {@code name} started, checked to be this cluster's (its command line names
     * this cluster's config folder), so that a recycled PID is never signalled.
     */
    private Optional<ProcessHandle> process(String name) {
        Long pid = pids.get(name);
        if (pid == null) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(conf.toString())).orElse(true));
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
            jars.filter(j -> j.toString().endsWith(".jar")).map(Path::toString).sorted().forEach(classpath::add);
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(Arrays.asList(Files.readString(dir.resolve("jvm-options")).trim().split(" ")));
        command.addAll(List.of("-Dlog.file=" + dir.resolve("logs").resolve(name + ".log"),
                "-Dlog4j.configurationFile=file:" + conf.resolve("log4j.properties"),
                "-cp", String.join(File.pathSeparator, classpath), mainClass));
        command.addAll(programArgs);
        return command;
    }

    private void launch(String name, String mainClass, Resources resources) throws IOException {
        List<String> args = new ArrayList<>(List.of("--configDir", conf.toString()));
        args.addAll(resources.dynamicProperties);
        List<String> command = javaCommand(name, mainClass, resources.jvmOptions, args);
        Path work = Files.createDirectories(dir.resolve("work").resolve(name));
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("logs").resolve(name + ".out").toFile());
        if (!inheritEnvironment) {
            // Only what a JVM needs: the job's settings come from `environment` alone, as a
            // container's environment would give them, not from whoever started the cluster.
            Map<String, String> keep = new LinkedHashMap<>();
            for (String key : List.of("PATH", "HOME", "TMPDIR", "LANG")) {
                if (pb.environment().containsKey(key)) {
                    keep.put(key, pb.environment().get(key));
                }
            }
            pb.environment().clear();
            pb.environment().putAll(keep);
        }
        pb.environment().putAll(environment);
        Process p = pb.start();
        pids.put(name, p.pid());
        writeState();
    }

    private void awaitTaskManagers(int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String name : pids.keySet()) {
                if (process(name).isEmpty()) {
                    throw new IllegalStateException(name + " exited; see " + dir.resolve("logs").resolve(name + ".out"));
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

    /** {@code cluster.json}, {@code rest-url} and {@code pids}, each replaced atomically. */
    private void writeState() throws IOException {
        ObjectNode state = JSON.createObjectNode();
        state.put("rest_url", restUrl);
        state.put("dir", dir.toString());
        state.putObject("jobmanager").put("pid", pids.getOrDefault(JOBMANAGER, 0L));
        ArrayNode tms = state.putArray("taskmanagers");
        StringBuilder lines = new StringBuilder();
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            lines.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
            if (!e.getKey().equals(JOBMANAGER)) {
                tms.addObject().put("id", e.getKey()).put("pid", e.getValue());
            }
        }
        replace(dir.resolve("cluster.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state) + "\n");
        replace(dir.resolve("rest-url"), restUrl + "\n");
        replace(dir.resolve("pids"), lines.toString());
    }

    private static void replace(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public String restUrl() {
        return restUrl;
    }

    public Path dir() {
        return dir;
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl + path)).timeout(Duration.ofSeconds(10))
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
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl + "/jars/upload"))
                .timeout(Duration.ofMinutes(2)).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        String filename = answer("/jars/upload", r).path("filename").asText();
        return Path.of(filename).getFileName().toString();
    }

    /** {@code POST /jars/{id}/run}: runs the jar's main in the JobManager; returns the job id. */
    public String runJar(String jarId, List<String> programArgs) throws IOException, InterruptedException {
        String request = JSON.writeValueAsString(Map.of("programArgsList", programArgs));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl + "/jars/" + jarId + "/run"))
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

    /** Stops every process (SIGTERM, SIGKILL after 10 s); their logs stay in {@code <dir>/logs}. */
    @Override
    public synchronized void close() {
        List<ProcessHandle> live = new ArrayList<>();
        for (String name : pids.keySet()) {
            process(name).ifPresent(live::add);
        }
        live.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : live) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        try {
            Files.deleteIfExists(dir.resolve("cluster.json"));
            Files.deleteIfExists(dir.resolve("rest-url"));
            Files.deleteIfExists(dir.resolve("pids"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Flink's {@code --add-opens} list for Java 17, from the jar's manifest (the same one {@code java -jar} uses). */
    static List<String> addOpens(Path gluuJar) throws IOException {
        try (JarFile jar = new JarFile(gluuJar.toFile())) {
            String opens = jar.getManifest() == null ? null : jar.getManifest().getMainAttributes().getValue("Add-Opens");
            if (opens == null) {
                return List.of();
            }
            return Arrays.stream(opens.trim().split("\\s+")).map(m -> "--add-opens=" + m + "=ALL-UNNAMED").toList();
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
