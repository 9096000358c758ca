package com.gluu.kpi.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.UUID;
import java.util.jar.JarEntry;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.classloading.SubmoduleClassLoader;
import org.apache.flink.runtime.rpc.CleanupOnCloseRpcSystem;
import org.apache.flink.runtime.rpc.RpcSystem;
import org.apache.flink.runtime.rpc.RpcSystemLoader;
import org.apache.flink.runtime.rpc.exceptions.RpcLoaderException;

/**
 * Loads Flink's Pekko RPC system from a copy of its jar extracted once per user and jar content,
 * instead of once per process.
 *
 * <p>Why: Flink keeps Pekko (and Scala) in a jar inside {@code flink-rpc-akka-loader}, which its
 * own loader copies to a new temp file at every start. From our 148 MB application jar that copy
 * took 340–400 ms of every {@code run} (21 MB inflated by a JVM still interpreting), on the path
 * the job waits for (README "Performance", start-up); and a process that is killed leaves its
 * 21 MB copy in {@code /tmp} for good (120 of them had piled up on the build machine).
 *
 * <p>How: the copy goes to {@code <java.io.tmpdir>/gluu-kpi-rpc-<user>/flink-rpc-akka-<crc>-<size>.jar},
 * named by the CRC-32 and size the outer jar records for the entry, written under a temporary
 * name and moved into place atomically, so concurrent starts never read a half-written copy.
 * Because code is loaded from it, the folder must be this user's alone: created {@code rwx------},
 * and refused if it belongs to someone else or others may write to it. The loaded RPC system is
 * Flink's own, in Flink's {@link SubmoduleClassLoader}, exactly as {@code PekkoRpcSystemLoader}
 * builds it. On any failure (no such resource, not a file jar, no POSIX permissions, an unsafe
 * folder, a full disk) this loader throws and {@link RpcSystem#load} falls back to Flink's
 * loader, which it tries next.
 *
 * <p>Registered in {@code META-INF/services/org.apache.flink.runtime.rpc.RpcSystemLoader}; it is
 * found whenever this jar is on the JVM's class path ({@code java -jar}, tests, the processes of
 * {@code cluster start}). A Flink distribution's JobManager loads its RPC system before any user
 * jar, from its own {@code lib/}, so this class is never used there.
 */
public final class ExtractedOnceRpcSystemLoader implements RpcSystemLoader {
    /** Where Flink's loader keeps the RPC system (a jar inside its jar). */
    static final String RPC_JAR = "flink-rpc-akka.jar";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    /** Tried before Flink's own loader (priority 0): lower runs first. */
    @Override
    public int getLoadPriority() {
        return -1;
    }

    @Override
    public RpcSystem loadRpcSystem(Configuration config) {
        Path folder = Path.of(System.getProperty("java.io.tmpdir"),
                "gluu-kpi-rpc-" + System.getProperty("user.name").replaceAll("[^A-Za-z0-9._-]", "_"));
        return load(folder, RpcSystem.class.getClassLoader());
    }

    /** The RPC system from {@code flinkClassLoader}'s RPC jar, extracted into {@code folder} if not there yet. */
    static RpcSystem load(Path folder, ClassLoader flinkClassLoader) {
        try {
            Path jar = extractedJar(folder, flinkClassLoader);
            SubmoduleClassLoader loader = new SubmoduleClassLoader(new URL[] {jar.toUri().toURL()}, flinkClassLoader);
            RpcSystem rpc = ServiceLoader.load(RpcSystem.class, loader).iterator().next();
            return new CleanupOnCloseRpcSystem(rpc, loader, null); // closes the class loader, keeps the copy
        } catch (IOException | RuntimeException e) {
            throw new RpcLoaderException("no reusable copy of " + RPC_JAR + " (Flink's own loader takes over)", e);
        }
    }

    /** The extracted copy of the RPC jar in {@code folder}, extracting it first if it is not there. */
    static Path extractedJar(Path folder, ClassLoader flinkClassLoader) throws IOException {
        URL resource = flinkClassLoader.getResource(RPC_JAR);
        if (resource == null) {
            throw new IOException("no " + RPC_JAR + " on the class path");
        }
        URLConnection connection = resource.openConnection();
        if (!(connection instanceof JarURLConnection jarConnection)) {
            throw new IOException(RPC_JAR + " is not inside a jar: " + resource);
        }
        JarEntry entry = jarConnection.getJarEntry();
        if (entry.getSize() < 0 || entry.getCrc() < 0) {
            throw new IOException("the jar records no size or CRC for " + RPC_JAR);
        }
        Path copy = privateFolder(folder).resolve(String.format(Locale.ROOT, "flink-rpc-akka-%08x-%d.jar",
                entry.getCrc(), entry.getSize()));
        if (Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS) && Files.size(copy) == entry.getSize()) {
            return copy;
        }
        Path partial = folder.resolve(".partial-" + UUID.randomUUID() + ".jar");
        try (InputStream in = jarConnection.getInputStream(); OutputStream out = Files.newOutputStream(partial)) {
            in.transferTo(out);
        } catch (IOException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        if (Files.size(partial) != entry.getSize()) {
            Files.deleteIfExists(partial);
            throw new IOException("extracted " + Files.size(partial) + " bytes of " + RPC_JAR + ", expected " + entry.getSize());
        }
        Files.move(partial, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    /** {@code folder}, created owner-only if missing; refused unless it is this user's and closed to others. */
    static Path privateFolder(Path folder) throws IOException {
        if (!Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // Another process made it first: checked below like any existing folder.
            }
        }
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            throw new AccessDeniedException(folder.toString(), null, "not a directory (or a symbolic link)");
        }
        String owner = Files.getOwner(folder, LinkOption.NOFOLLOW_LINKS).getName();
        if (!owner.equals(System.getProperty("user.name"))) {
            throw new AccessDeniedException(folder.toString(), null, "belongs to " + owner);
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(folder, LinkOption.NOFOLLOW_LINKS);
        if (!OWNER_ONLY.containsAll(permissions)) {
            throw new AccessDeniedException(folder.toString(), null,
                    "others may use it (" + PosixFilePermissions.toString(permissions) + ")");
        }
        return folder;
    }
}
