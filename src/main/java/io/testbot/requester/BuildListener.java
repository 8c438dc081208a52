package io.testbot.requester;

import io.testbot.protocol.BuildEvent;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.Verdict;

import java.io.IOException;

/**
 * Something that follows a build for the user: the console's job blocks, the summary, a report. A new report is one
 * class of this kind, added where {@link Requester} follows a build.
 */
interface BuildListener {
    /** A job finished; its result is already in the build's results. */
    default void jobFinished(BuildEvent event, BuildResults results, int totalJobs) {}

    /** The build is over. */
    default void buildFinished(Finished finished) throws IOException {}

    /** A finished build: its results, its one verdict, and the wall time the user waited. */
    record Finished(BuildInfo build, BuildResults results, Verdict verdict, double wallSeconds) {}
}
