package io.testbot.adapters;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a framework here, in the project, to list its tests (e.g. rspec --dry-run); its own output is dropped. */
final class DryRun {
    private DryRun() {}

    static final Duration TIMEOUT = Duration.ofSeconds(120);

    static void run(List<String> command, Path root) throws IOException, InterruptedException {
        String name = command.get(0);
        Process process;
        try {
            process = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + name + " here: " + e.getMessage(), e);
        }
        try {
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) throw new IOException(name + " --dry-run took longer than " + TIMEOUT.toSeconds() + " s");
        } finally {
            process.destroyForcibly();
        }
        if (process.exitValue() != 0) throw new IOException(name + " --dry-run exited with status " + process.exitValue());
    }
}
