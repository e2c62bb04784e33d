package org.difflabel.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The folder the embedded default keeps its data in ({@code labeler.embedded.data-dir}): the
 * broker's log directory ({@code kafka/}) and the registry's database ({@code registry/}), held
 * under an exclusive lock for as long as this instance runs, so a second instance on the same
 * folder stops at once with a message saying so instead of failing somewhere inside the broker.
 */
public final class DataDir implements AutoCloseable {
    static final String LOCK = ".lock";

    private final Path root;
    private final FileChannel channel;
    private final FileLock lock;

    private DataDir(Path root, FileChannel channel, FileLock lock) {
        this.root = root;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates {@code root} if needed and locks it.
     *
     * @throws InUseException when another running instance holds it
     */
    public static DataDir lock(Path root) {
        Path dir = root.toAbsolutePath().normalize();
        FileChannel channel = null;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this very JVM
            }
            if (lock == null) {
                String holder = holder(channel);
                channel.close();
                throw new InUseException(dir, holder);
            }
            // who holds it, for the message another instance prints
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(false);
            return new DataDir(dir, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot use " + dir + " for the embedded broker's data"
                    + " (labeler.embedded.data-dir): " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    /** The broker's log directory. */
    public Path kafka() {
        return root.resolve("kafka");
    }

    /** The registry's database folder. */
    public Path registry() {
        return root.resolve("registry");
    }

    private static String holder(FileChannel channel) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            int n = channel.read(b, 0);
            return n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
    }

    /** The folder is locked by another running instance. */
    public static final class InUseException extends IllegalStateException {
        private InUseException(Path dir, String pid) {
            super("the embedded data folder " + dir + " is in use by another running instance"
                    + (pid.isEmpty() ? "" : " (process " + pid + ")")
                    + ": stop that one first, or give this one a folder of its own with -Dlabeler.embedded.data-dir=DIR");
        }
    }
}
