package io.testbot.runner;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts commands as leaders of their own process group (via setsid), so a job can be stopped whole:
 * rspec and everything it spawned. setpriv --pdeathsig makes the job die with the runner even when the runner is
 * killed with SIGKILL and cannot clean up; the signal follows the thread that started the process, and the
 * runner's instance thread waits for its job, so it outlives it.
 */
public final class ProcessGroups {
    private ProcessGroups() {}

    /** Wraps a command so that it runs in a new session and process group whose id is the process's pid. */
    public static List<String> inNewGroup(List<String> command) {
        List<String> wrapped = new ArrayList<>(command.size() + 4);
        wrapped.addAll(List.of("setsid", "setpriv", "--pdeathsig", "KILL"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Wraps a command so that it dies with the thread that starts it, in this session: the process makes itself
     * a group leader (a zygote's forks can join the group of a process of the same session only).
     */
    public static List<String> dyingWithStarter(List<String> command) {
        List<String> wrapped = new ArrayList<>(command.size() + 3);
        wrapped.addAll(List.of("setpriv", "--pdeathsig", "KILL"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Lets a process end as processes normally do (its at_exit hooks, a coverage report say, still run): end of
     * its input, and SIGKILL to its group only if it is still there after the grace period. The future completes
     * when it is gone.
     */
    public static java.util.concurrent.CompletableFuture<Process> endOfInput(Process process, long graceSeconds) {
        return endOfInput(process).orTimeout(graceSeconds, java.util.concurrent.TimeUnit.SECONDS).exceptionally(timedOut -> {
            kill(process);
            return process;
        });
    }

    /** Closes the process's input and lets it end when it will; the future completes when it is gone. */
    public static java.util.concurrent.CompletableFuture<Process> endOfInput(Process process) {
        try {
            process.getOutputStream().close();
        } catch (IOException alreadyGone) {
            // nothing to tell it
        }
        return process.onExit();
    }

    /** Sends SIGKILL to the whole process group led by the process. */
    public static void kill(Process process) {
        long pgid = process.pid();
        try {
            new ProcessBuilder("kill", "-KILL", "--", "-" + pgid).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
