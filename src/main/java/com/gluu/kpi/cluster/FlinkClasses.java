package com.gluu.kpi.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The Flink half of {@code gluu-kpi.jar}: a copy of the shaded jar without this project's own
 * classes and application libraries, used as the classpath of the standalone cluster's
 * JobManager and TaskManagers.
 *
 * <p>Why a copy and not the jar itself: on a real cluster (the {@code flink:1.20} image) Flink's
 * classes come from the cluster and the job's classes only from the submitted jar. If the whole
 * jar were on the cluster's classpath, a class missing from the uploaded jar would still be found
 * there and the cluster would prove nothing about the jar. flink-dist does not download from the
 * Maven repository here, and the jar already carries Flink's runtime, so the cluster takes it
 * from the jar. The list mirrors the application libraries in {@code pom.xml}.
 */
final class FlinkClasses {
    /** Entries that belong to the application, not to Flink (directory prefixes and root files). */
    static final List<String> APPLICATION = List.of("com/gluu/", "org/postgresql/", "org/flywaydb/", "io/zonky/",
            "com/posthog/", "software/amazon/", "com/datadoghq/", "okhttp3/", "okio/", "kotlin/", "org/jetbrains/",
            "com/fasterxml/jackson/dataformat/", "org/yaml/", "postgres-linux-", "demo/", "db/", "jobs/", "dashboard/",
            "assets/", "log4j2.properties", "gluu-log.json", "META-INF/services/org.flywaydb.");

    private FlinkClasses() {}

    /**
     * Writes {@code target} from {@code fatJar} unless it is already there for this jar (same
     * size and modification time, recorded next to it): the copy takes seconds, a restart none.
     */
    static Path extract(Path fatJar, Path target) throws IOException {
        Path stamp = target.resolveSibling(target.getFileName() + ".source");
        String source = fatJar.toAbsolutePath() + " " + Files.size(fatJar) + " " + Files.getLastModifiedTime(fatJar).toMillis();
        if (Files.exists(target) && Files.exists(stamp) && Files.readString(stamp).equals(source)) {
            return target;
        }
        Files.createDirectories(target.getParent());
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        try (ZipFile in = new ZipFile(fatJar.toFile());
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(partial))) {
            out.setLevel(Deflater.BEST_SPEED);
            Enumeration<? extends ZipEntry> entries = in.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (isApplication(e.getName()) || e.getName().equals("META-INF/MANIFEST.MF")) {
                    continue;
                }
                try (InputStream body = in.getInputStream(e)) {
                    if (e.getName().startsWith("META-INF/services/") && !e.isDirectory()) {
                        byte[] kept = withoutApplicationProviders(body.readAllBytes());
                        if (kept.length > 0) {
                            out.putNextEntry(new ZipEntry(e.getName()));
                            out.write(kept);
                        }
                        continue;
                    }
                    out.putNextEntry(new ZipEntry(e.getName()));
                    body.transferTo(out);
                }
            }
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(stamp, source);
        return target;
    }

    static boolean isApplication(String entry) {
        for (String prefix : APPLICATION) {
            if (entry.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** A services file without the providers whose classes are left out (ServiceLoader would fail on them). */
    private static byte[] withoutApplicationProviders(byte[] file) throws IOException {
        String kept = new String(file, StandardCharsets.UTF_8).lines()
                .filter(line -> {
                    String name = line.replaceAll("#.*", "").trim();
                    return !name.isEmpty() && !isApplication(name.replace('.', '/'));
                })
                .collect(Collectors.joining("\n"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!kept.isEmpty()) {
            write(bytes, kept + "\n");
        }
        return bytes.toByteArray();
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }
}
