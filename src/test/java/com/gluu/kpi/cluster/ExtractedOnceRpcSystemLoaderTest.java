package com.gluu.kpi.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.rpc.RpcSystem;
import org.apache.flink.runtime.rpc.exceptions.RpcLoaderException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ExtractedOnceRpcSystemLoader}: one private copy of Flink's RPC jar, reused, and Flink's RPC system from it. */
class ExtractedOnceRpcSystemLoaderTest {
    private static final ClassLoader FLINK = RpcSystem.class.getClassLoader();

    @TempDir
    Path tmp;

    @Test
    void extractsTheRpcJarOnceIntoAnOwnerOnlyFolderAndReusesTheCopy() throws Exception {
        Path folder = tmp.resolve("rpc");
        // The expected name, worked out the slow way: CRC-32 and length of the resource's bytes.
        CRC32 crc = new CRC32();
        long size = 0;
        try (InputStream in = FLINK.getResourceAsStream(ExtractedOnceRpcSystemLoader.RPC_JAR)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; size += n) {
                crc.update(buffer, 0, n);
            }
        }
        String expected = String.format(Locale.ROOT, "flink-rpc-akka-%08x-%d.jar", crc.getValue(), size);

        try (RpcSystem first = ExtractedOnceRpcSystemLoader.load(folder, FLINK)) {
            // Flink's Pekko RPC system, answering with Flink's default frame size (pekko.framesize 10485760b).
            assertThat(first.getMaximumMessageSizeInBytes(new Configuration())).isEqualTo(10_485_760L);
        }
        assertThat(names(folder)).containsExactly(expected);
        Path copy = folder.resolve(expected);
        assertThat(Files.size(copy)).isEqualTo(size);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder))).isEqualTo("rwx------");
        FileTime written = Files.getLastModifiedTime(copy);

        try (RpcSystem second = ExtractedOnceRpcSystemLoader.load(folder, FLINK)) {
            assertThat(second.getMaximumMessageSizeInBytes(new Configuration())).isEqualTo(10_485_760L);
        }
        assertThat(names(folder)).containsExactly(expected); // no second copy, no partial file left
        assertThat(Files.getLastModifiedTime(copy)).isEqualTo(written);
    }

    @Test
    void aCopyOfTheWrongSizeIsReplaced() throws Exception {
        Path folder = tmp.resolve("rpc");
        Path copy = ExtractedOnceRpcSystemLoader.extractedJar(folder, FLINK);
        long size = Files.size(copy);
        Files.write(copy, new byte[] {1, 2, 3}); // e.g. a truncated copy

        assertThat(ExtractedOnceRpcSystemLoader.extractedJar(folder, FLINK)).isEqualTo(copy);
        assertThat(Files.size(copy)).isEqualTo(size);
    }

    @Test
    void refusesAFolderOthersMayWriteToSoThatFlinksOwnLoaderTakesOver() throws Exception {
        Path folder = Files.createDirectory(tmp.resolve("shared"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxrwxrwx")); // past the umask

        assertThatThrownBy(() -> ExtractedOnceRpcSystemLoader.load(folder, FLINK))
                .isInstanceOf(RpcLoaderException.class)
                .hasStackTraceContaining("others may use it (rwxrwxrwx)");
        assertThat(names(folder)).isEmpty();
    }

    @Test
    void refusesWhenTheClassPathHasNoRpcJar() {
        ClassLoader withoutIt = new ClassLoader(null) {};

        assertThatThrownBy(() -> ExtractedOnceRpcSystemLoader.load(tmp.resolve("rpc"), withoutIt))
                .isInstanceOf(RpcLoaderException.class)
                .hasStackTraceContaining("no flink-rpc-akka.jar on the class path");
    }

    private static List<String> names(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
