package io.testbot.requester;

import javax.xml.stream.XMLStreamException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writing a file (a report, a state) so that no reader ever sees half of one; owner-only while it is written, as temporary files are. */
final class ReportFiles {
    private ReportFiles() {}

    interface Writing {
        void to(OutputStream out) throws IOException, XMLStreamException;
    }

    /** Written beside the target and renamed into place. */
    static void writeAtomically(Path file, Writing writing) throws IOException {
        Path target = file.toAbsolutePath();
        if (target.getParent() != null) Files.createDirectories(target.getParent());
        Path temporary = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(temporary)) {
                writing.to(out);
            } catch (XMLStreamException e) {
                throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
            }
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
