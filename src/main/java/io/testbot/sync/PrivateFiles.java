package io.testbot.sync;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Directories and files that only their owner may read: a server's data dir holds its token, every project's code
 * and every build's output; a runner's work dir holds projects' code and the tools its jobs run. Whatever the umask.
 */
public final class PrivateFiles {
    private PrivateFiles() {}

    /** Creates the directory (and its parents) if need be, and makes it 0700 when this user owns it. */
    public static Path directory(Path dir) throws IOException {
        Files.createDirectories(dir);
        restrict(dir, "rwx------");
        return dir;
    }

    /** Creates the file empty at 0600 if it does not exist; makes an existing one 0600 when this user owns it. */
    public static Path file(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            restrict(file, "rw-------");
        } catch (UnsupportedOperationException e) {
            if (!Files.exists(file)) Files.createFile(file);
        }
        return file;
    }

    private static void restrict(Path path, String permissions) throws IOException {
        try {
            if (!Files.getOwner(path).getName().equals(System.getProperty("user.name"))) return; // not ours to change
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to restrict with
        }
    }
}
