package io.testbot.server;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import io.testbot.protocol.BuildEvent;
import io.testbot.protocol.BuildStatus;
import io.testbot.protocol.BuildTally;
import io.testbot.protocol.JobResult;
import io.testbot.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Jobs' results into a build's books ({@link BuildLedger}): each recorded once, from the runner that holds the job,
 * in the store and then in the build's tally, a re-run of failing examples queued with it, the build ended when its
 * last job is in (or a failure fails it fast). Results of one build are written one batch at a time under its
 * {@link Active.Build#writes}: those that arrive while a batch is written wait, and go together in one transaction.
 */
final class ResultRecorder {
    private static final Logger log = LoggerFactory.getLogger(ResultRecorder.class);

    /** How a build ends, which the ledger decides; called with the build's writes held. */
    interface BuildEnds {
        void finish(Active.Build build, String verdict);

        void stop(Active.Build build, String status, String why);
    }

    private final SchedulerContext context;
    private final Active active;
    private final RunnerRegistry runners;
    private final Dispatch dispatch;
    private final BuildFeed feed;
    private final BuildEnds ends;

    ResultRecorder(SchedulerContext context, Active active, RunnerRegistry runners, Dispatch dispatch, BuildFeed feed, BuildEnds ends) {
        this.context = context;
        this.active = active;
        this.runners = runners;
        this.dispatch = dispatch;
        this.feed = feed;
        this.ends = ends;
    }

    /** A result waiting for its build's writes, to be recorded with the others waiting then (the caller's or another thread). */
    static final class PendingResult {
        final Active.Job job;
        final RunnerRegistry.RunnerState runner;
        final Store.JobReport report;
        /** Set, under the build's writes, by the thread that records it. */
        Scheduler.ResultStatus status;
        /** The store's failure to record it: the job stays the runner's, for it to report again. */
        RuntimeException failure;

        PendingResult(Active.Job job, RunnerRegistry.RunnerState runner, Store.JobReport report) {
            this.job = job;
            this.runner = runner;
            this.report = report;
        }
    }

    /**
     * Records a job's result unless the job is no longer this runner's (cancelled, requeued, unknown), and says
     * whether that ended its build. Should the recording fail, the job stays the runner's, for it to report again.
     * Results of one build are written one batch at a time: those that arrive while the last batch is written wait
     * and go together, in one transaction (a commit each held a busy build to one result per commit).
     */
    Scheduler.ResultStatus record(long jobId, JobResult result) {
        Active.Build build;
        PendingResult pending;
        context.lock.lock();
        try {
            Active.Job job = active.jobs.get(jobId);
            if (job == null || job.runnerId == null || !job.runnerId.equals(result.runnerId()) || job.recording) return Scheduler.ResultStatus.IGNORED;
            RunnerRegistry.RunnerState runner = runners.get(job.runnerId);
            build = active.builds.get(job.buildId);
            String runnerName = runner == null ? job.runnerId : runner.row.hostname();
            boolean processPerJob = runner != null && runner.row.processPerJob();
            Set<String> failedIds = result.failedIds();
            boolean rerunsById = Adapters.find(build.request.adapter()).map(Adapter::rerunsById).orElse(false);
            Store.Retry retry = rerunsById && !result.errored() && !failedIds.isEmpty() && job.attempt < build.request.retryFailed()
                    ? new Store.Retry(failedIds.stream().sorted().toList(), job.attempt + 1, job.runnerId) : null;
            job.recording = true;
            pending = new PendingResult(job, runner, new Store.JobReport(build.id, jobId, job.attempt, job.files,
                    new Store.HistoryKey(build.request.project(), build.request.adapter(), processPerJob), runnerName, result, retry, context.clock.instant()));
        } finally {
            context.lock.unlock();
        }
        build.waitingResults.add(pending);
        build.writes.lock();
        try {
            // Unless the thread that held the writes before took it along with its own.
            if (pending.status == null && pending.failure == null) recordWaiting(build);
        } finally {
            build.writes.unlock();
        }
        if (pending.failure != null) throw pending.failure;
        return pending.status;
    }

    /**
     * Records every result waiting for the build's writes, which the caller holds, in the order of their jobs' ids.
     * Should anything go wrong on the way, each result not yet settled fails, its job the runner's again to report.
     */
    private void recordWaiting(Active.Build build) {
        List<PendingResult> batch = new ArrayList<>();
        for (PendingResult p = build.waitingResults.poll(); p != null; p = build.waitingResults.poll()) batch.add(p);
        try {
            recordBatch(build, batch);
        } catch (RuntimeException | Error e) {
            for (PendingResult p : batch) {
                if (p.status != null || p.failure != null) continue;
                context.lock.lock();
                p.job.recording = false;
                context.lock.unlock();
                p.failure = e instanceof RuntimeException re ? re : new IllegalStateException(e);
            }
            throw e;
        }
    }

    private void recordBatch(Active.Build build, List<PendingResult> batch) {
        if (build.over) { // stopped while these waited: their jobs were cancelled
            batch.forEach(p -> p.status = Scheduler.ResultStatus.IGNORED);
            return;
        }
        // As the store takes jobs' rows (see Store.recordJobResults).
        batch.sort(java.util.Comparator.comparingLong(p -> p.job.id));
        List<Store.Recorded> recorded = store(batch);
        boolean failsForGood = false;
        for (int i = 0; i < batch.size(); i++) {
            PendingResult p = batch.get(i);
            if (p.failure != null) continue;
            if (build.over) { // ended by a result another server recorded, just counted
                p.status = Scheduler.ResultStatus.IGNORED;
                continue;
            }
            Store.Recorded r = recorded.get(i);
            if (r == null) {
                log.warn("job {}: the store has its result already; this one from {} is ignored", p.job.id, p.report.runnerName());
                p.status = settledElsewhere(build, p.job, p.runner);
                continue;
            }
            failsForGood |= count(build, p, r);
        }
        String verdict = null;
        boolean failFast = false;
        context.lock.lock();
        try {
            if (!build.over && build.remainingJobs == 0) verdict = build.tally.verdict(build.request.files(), false).status();
            else failFast = !build.over && build.request.failFast() && failsForGood;
        } finally {
            context.lock.unlock();
        }
        if (verdict != null) ends.finish(build, verdict);
        else if (failFast) ends.stop(build, BuildStatus.FAILED, "failed fast");
        for (PendingResult p : batch) {
            if (p.status == null && p.failure == null) p.status = build.over ? Scheduler.ResultStatus.BUILD_OVER : Scheduler.ResultStatus.RECORDED;
        }
    }

    /** The batch's results in the store: in one transaction, or, should that fail, one by one (a failure costs only its own). */
    private List<Store.Recorded> store(List<PendingResult> batch) {
        if (batch.size() > 1) {
            try {
                return context.store.recordJobResults(batch.stream().map(p -> p.report).toList());
            } catch (RuntimeException e) {
                log.warn("recording {} results of build {} in one transaction failed ({}); recording each alone", batch.size(),
                        batch.get(0).report.buildId(), e.toString());
            }
        }
        List<Store.Recorded> recorded = new ArrayList<>();
        for (PendingResult p : batch) {
            try {
                recorded.add(context.store.recordJobResult(p.report));
            } catch (RuntimeException e) {
                context.lock.lock();
                p.job.recording = false; // still the runner's, for it to report again
                context.lock.unlock();
                p.failure = e;
                recorded.add(null);
            }
        }
        return recorded;
    }

    /**
     * Counts a recorded result: only now does the scheduler let go of the job; a re-run of its failing examples is
     * queued. Returns whether the result fails the build for good (for fail-fast).
     */
    private boolean count(Active.Build build, PendingResult p, Store.Recorded recorded) {
        Store.Retry retry = p.report.retry();
        JobResult result = p.report.result();
        Active.Job job = p.job;
        context.lock.lock();
        try {
            active.jobs.remove(job.id);
            build.running--;
            if (p.runner != null) {
                p.runner.running.remove(job.id);
                runners.touch(p.runner);
            }
            if (retry != null) {
                active.jobs.put(recorded.retryJobId(), new Active.Job(recorded.retryJobId(), build.id, retry.files(), retry.attempt(), retry.avoidRunner()));
                dispatch.enqueueFirst(build.id, recorded.retryJobId(), retry.avoidRunner());
                build.remainingJobs++;
                log.info("build {}: {} failing example(s) of job {} queued for re-run {} of {}", build.id, retry.files().size(), job.id,
                        retry.attempt(), build.request.retryFailed());
            }
            build.tally.add(p.report.runnerName(), result, job.attempt, job.files);
            context.events.jobFinished(result.outcome(), result.seconds());
            build.remainingJobs--;
            feed.advance(build, recorded.event().seq());
            context.changed();
            if (retry != null) dispatch.toWaiting();
            return BuildTally.failsForGood(result, retry != null);
        } finally {
            context.lock.unlock();
        }
    }

    /**
     * A job whose end the store has already, recorded (or cancelled) by another server that dispatched from the store
     * until this one took over, in the moment before it stopped: this server recovered it as queued or running, and
     * the result just reported is not the one to keep. The job is over all the same: it is counted as the store has
     * it, the build's followers are woken for the events that server wrote, and the build ends if that was its last
     * job (it would otherwise wait for it for ever). The caller holds the build's writes.
     */
    private Scheduler.ResultStatus settledElsewhere(Active.Build build, Active.Job job, RunnerRegistry.RunnerState runner) {
        Store.JobRow stored = context.store.jobs(build.id).stream().filter(row -> row.id() == job.id).findFirst().orElse(null);
        List<BuildEvent> events = context.store.events(build.id, context.locked(() -> build.lastSeq));
        String verdict = null;
        context.lock.lock();
        try {
            job.recording = false;
            boolean over = stored != null && (stored.status() == Store.JobStatus.DONE || stored.status() == Store.JobStatus.CANCELLED);
            if (over && active.jobs.remove(job.id) != null) {
                build.running--;
                if (runner != null) runner.running.remove(job.id);
                BuildLedger.addStored(build.tally, stored);
                build.remainingJobs--;
                if (!events.isEmpty()) feed.advance(build, Math.max(build.lastSeq, events.get(events.size() - 1).seq()));
                if (build.remainingJobs == 0) verdict = build.tally.verdict(build.request.files(), false).status();
                context.changed();
            }
        } finally {
            context.lock.unlock();
        }
        if (verdict != null) ends.finish(build, verdict);
        return build.over ? Scheduler.ResultStatus.BUILD_OVER : Scheduler.ResultStatus.IGNORED;
    }

    /** Results waiting for their build's writes, in all builds. */
    int waiting() {
        return context.locked(() -> active.builds.values().stream().mapToInt(build -> build.waitingResults.size()).sum());
    }
}
