package io.testbot.adapters;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

import static org.assertj.core.api.Assertions.assertThat;

class ResourcesTest {
    private static final String SCRIPT = RSpecAdapter.WORKER;

    @Test
    void writesAResourceOnceAndAgainOnlyWhenTheFileIsGoneOrChangedInAnyWay(@TempDir Path dir) throws Exception {
        String original;
        try (var in = Resources.class.getResourceAsStream(SCRIPT)) {
            original = new String(in.readAllBytes());
        }
        Path first = Resources.unpack(SCRIPT, dir, "worker.rb");
        assertThat(first).hasContent(original);
        Object written = Files.readAttributes(first, BasicFileAttributes.class).fileKey();

        // Every instance asks for it at the start of every build: the file it wrote is still there, so no new one.
        assertThat(Resources.unpack(SCRIPT, dir, "worker.rb")).isEqualTo(first);
        assertThat(Files.readAttributes(first, BasicFileAttributes.class).fileKey()).isEqualTo(written);

        Files.writeString(first, "# cut short\n");
        assertThat(Resources.unpack(SCRIPT, dir, "worker.rb")).hasContent(original);

        // A build's job rewrites it in place, same size and all: the next worker runs testbot's script, not the job's.
        byte[] poisoned = original.getBytes();
        java.util.Arrays.fill(poisoned, 0, 12, (byte) '#');
        Files.write(first, poisoned);
        assertThat(Files.size(first)).isEqualTo(original.getBytes().length);
        assertThat(Resources.unpack(SCRIPT, dir, "worker.rb")).hasContent(original);

        Files.delete(first);
        assertThat(Resources.unpack(SCRIPT, dir, "worker.rb")).hasContent(original);
        try (var left = Files.list(dir)) {
            assertThat(left).containsExactly(first); // no temporary files left behind
        }
    }
}
