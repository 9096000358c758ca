package com.gluu.kpi.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * kinesalite (in memory) behind the StreamARN-rewriting proxy of {@code src/test/kinesis}, both on
 * 127.0.0.1 with ephemeral ports, started from where the build installed it
 * ({@code target/kinesalite}, system property {@code gluu.kinesalite.dir}).
 *
 * <p>Without Node.js, or if the build could not install kinesalite, the calling test is skipped
 * (a JUnit assumption) with a message saying so. The process ends when closed, and by itself if
 * this JVM dies (it exits when its stdin closes).
 */
public final class KinesisStandIn implements AutoCloseable {
    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY = "gluu-test-access-key";
    public static final String SECRET_KEY = "gluu-test-secret-key";

    private final Process process;
    private final int port;

    private KinesisStandIn(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static KinesisStandIn start() throws IOException, InterruptedException {
        Path dir = Path.of(System.getProperty("gluu.kinesalite.dir", "target/kinesalite"));
        skipUnless(onPath("node"), "Node.js (node) is not on the PATH: the Kinesis stand-in cannot run, test skipped");
        skipUnless(Files.isDirectory(dir.resolve("node_modules/kinesalite")), "kinesalite is not installed in " + dir
                + " (the build installs it with npm during process-test-resources; run `mvn test-compile` with npm"
                + " on the PATH): test skipped");
        Process process = new ProcessBuilder("node", "kinesis-stand-in.js")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("port=")) {
            process.destroyForcibly();
            throw new IllegalStateException("Kinesis stand-in did not start; it said: " + line);
        }
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "kinesis-stand-in-output");
        drain.setDaemon(true);
        drain.start();
        return new KinesisStandIn(process, Integer.parseInt(line.substring("port=".length()).trim()));
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** An SDK v2 client for the stand-in (JSON, not CBOR: the surefire config sets aws.cborEnabled=false). */
    public KinesisClient client() {
        return KinesisClient.builder()
                .endpointOverride(URI.create(endpoint()))
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    /**
     * The job reads credentials from the AWS default chain, whose first link is these system
     * properties: dummy keys for the stand-in, which does not check them.
     */
    public static void useDummyCredentials() {
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
        System.setProperty("aws.cborEnabled", "false");
    }

    /**
     * Skips the calling test, saying why on stderr too (a skip in a {@code @BeforeAll} shows only
     * as "Tests run: 0" in Maven's summary); fails instead where the stand-in is required
     * ({@code .ci/run} sets {@code GLUU_REQUIRE_KINESIS_STAND_IN=1}), so CI cannot skip silently.
     */
    private static void skipUnless(boolean condition, String message) {
        if (condition) {
            return;
        }
        if (System.getenv("GLUU_REQUIRE_KINESIS_STAND_IN") != null) {
            throw new IllegalStateException(message.replace("test skipped", "required here (GLUU_REQUIRE_KINESIS_STAND_IN)"));
        }
        System.err.println("KinesisStandIn: " + message);
        assumeTrue(false, message);
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws InterruptedException, IOException {
        process.getOutputStream().close(); // the script exits when its stdin closes
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
