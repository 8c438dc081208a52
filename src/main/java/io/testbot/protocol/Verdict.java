package io.testbot.protocol;

import java.util.List;

/**
 * Whether a build passed, and every reason it did not. Decided in one place ({@link BuildTally#verdict}) for the
 * server's build status, the requester's exit status, its summary and its reports.
 *
 * @param failing              tests still failing after their last re-run
 * @param erroredJobs          jobs without complete results (a crash, a timeout, an error outside of any test)
 * @param notLoaded            files that failed to load
 * @param withoutResult        entries submitted that no job reported
 * @param withMoreThanOneResult entries that more than one job reported
 */
public record Verdict(int failing, int erroredJobs, int notLoaded, List<String> withoutResult, List<String> withMoreThanOneResult,
                      boolean cancelled) {
    public boolean passed() {
        return failing == 0 && erroredJobs == 0 && notLoaded == 0 && withoutResult.isEmpty() && withMoreThanOneResult.isEmpty() && !cancelled;
    }

    /** The build's final status. */
    public String status() {
        return cancelled ? BuildStatus.CANCELLED : passed() ? BuildStatus.PASSED : BuildStatus.FAILED;
    }
}
