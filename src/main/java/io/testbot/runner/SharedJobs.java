package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.JobResult;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The jobs running on this runner whose files not yet begun another of its instances may take over, when it has
 * nothing else to do: one slow file then holds up only itself, not the files queued behind it in its job. A file is
 * run by whoever claims it first in the job's claims directory (a file per place in the job's list, created once:
 * the job's worker claims each file as it begins it, a helping instance those it takes, from the end of the list).
 * The job's result is its worker's and its helpers' together, reported once by the instance that took the job.
 */
final class SharedJobs {
    /** A job whose files may be shared, while its own worker runs it. */
    static final class Shared {
        final JobAssignment job;
        final int instance;
        final Path root;
        final Adapter adapter;
        final Path claims;
        final List<Part> parts = new ArrayList<>();
        boolean closed;

        Shared(JobAssignment job, int instance, Path root, Adapter adapter, Path claims) {
            this.job = job;
            this.instance = instance;
            this.root = root;
            this.adapter = adapter;
            this.claims = claims;
        }
    }

    /** Files of a shared job that another instance took, and what running them there gave. */
    record Part(Shared of, List<String> files, int instance, CompletableFuture<JobResult> result) {}

    private final List<Shared> jobs = new ArrayList<>();

    /** Makes the job's files shareable while its worker runs it; the claims directory is made empty. */
    synchronized Shared open(JobAssignment job, int instance, Path root, Adapter adapter, Path claims) throws IOException {
        if (Files.exists(claims)) Workspace.deleteTree(claims);
        Files.createDirectories(claims);
        Shared shared = new Shared(job, instance, root, adapter, claims);
        jobs.add(shared);
        return shared;
    }

    /**
     * For an instance with nothing to do: files of another instance's job that its worker has not begun, claimed for
     * this one (half of them, at least one, from the end of the job's list), from the job with the most of them,
     * among the builds it has a warm worker for.
     */
    synchronized Optional<Part> take(int instance, java.util.function.LongPredicate warmFor) {
        Shared best = null;
        List<Integer> bestFree = List.of();
        for (Shared shared : jobs) {
            // Only with a worker of the build at hand: booting one could cost more than the files take.
            if (shared.closed || shared.instance == instance || !warmFor.test(shared.job.buildId())) continue;
            List<Integer> free = unclaimed(shared);
            // Only from a job whose own worker has begun its files: one still booting keeps its job (taking it all
            // would leave that worker nothing, and move its first file, which it is about to begin, elsewhere).
            int takenByOthers = shared.parts.stream().mapToInt(part -> part.files().size()).sum();
            if (shared.job.files().size() - free.size() - takenByOthers <= 0) continue;
            if (free.size() > bestFree.size()) {
                best = shared;
                bestFree = free;
            }
        }
        if (best == null) return Optional.empty();
        List<Integer> wanted = new ArrayList<>(bestFree.subList(bestFree.size() - (bestFree.size() + 1) / 2, bestFree.size()));
        Collections.reverse(wanted); // claimed from the end, where the worker reaches last
        List<String> taken = new ArrayList<>();
        for (int index : wanted) {
            if (!claim(best, index)) break; // the worker got there first: it is that far already
            taken.add(0, best.job.files().get(index));
        }
        if (taken.isEmpty()) return Optional.empty();
        Part part = new Part(best, List.copyOf(taken), instance, new CompletableFuture<>());
        best.parts.add(part);
        return Optional.of(part);
    }

    /** How many files of the job no one has claimed yet; -1 when the job is not open for sharing (yet, or any more). */
    synchronized int unclaimedOf(long jobId) {
        for (Shared shared : jobs) {
            if (shared.job.jobId() == jobId && !shared.closed) return unclaimed(shared).size();
        }
        return -1;
    }

    /** The job's worker is done: nothing more is taken from it; the parts others took, to wait for. */
    synchronized List<Part> close(Shared shared) {
        shared.closed = true;
        jobs.remove(shared);
        return List.copyOf(shared.parts);
    }

    private static List<Integer> unclaimed(Shared shared) {
        List<Integer> free = new ArrayList<>();
        for (int i = 0; i < shared.job.files().size(); i++) {
            if (!Files.exists(shared.claims.resolve(Integer.toString(i)))) free.add(i);
        }
        return free;
    }

    private static boolean claim(Shared shared, int index) {
        try {
            Files.writeString(shared.claims.resolve(Integer.toString(index)), "taken over\n", java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE);
            return true;
        } catch (FileAlreadyExistsException claimed) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The job's result with the files other instances took over from it: their results in place of its own (it left
     * them out), their output after its, the first failing status, and their time added to its (so that a job's
     * time less its files' stays what its start-ups cost, as the planner reads it).
     */
    static JobResult withParts(JobResult own, List<Part> parts) {
        if (parts.isEmpty()) return own;
        Set<String> taken = new java.util.HashSet<>();
        List<JobResult> results = new ArrayList<>();
        for (Part part : parts) {
            part.files().forEach(file -> taken.add(withoutDotSlash(file)));
            results.add(part.result().join());
        }
        List<FileResult> files = new ArrayList<>(own.files().stream().filter(f -> !taken.contains(withoutDotSlash(f.path()))).toList());
        StringBuilder output = new StringBuilder(own.output());
        int exit = own.exitCode();
        boolean errored = own.errored();
        double seconds = own.seconds(); // the time instances spent on the job: its own process's and the parts'
        for (int i = 0; i < parts.size(); i++) {
            JobResult part = results.get(i);
            files.addAll(part.files());
            seconds += part.seconds();
            if (exit == 0) exit = part.exitCode();
            errored |= part.errored();
            if (output.length() > 0 && output.charAt(output.length() - 1) != '\n') output.append('\n');
            output.append("testbot: ").append(parts.get(i).files().size()).append(" file(s) of this job not yet begun ran on instance ")
                    .append(parts.get(i).instance()).append(": ").append(String.join(" ", parts.get(i).files())).append('\n').append(part.output());
        }
        return new JobResult(own.runnerId(), own.instance(), exit, errored, output.toString(), seconds, own.setupSeconds(), own.command(), files,
                own.bootedWorker());
    }

    private static String withoutDotSlash(String path) {
        return path.startsWith("./") ? path.substring(2) : path;
    }
}
