package io.testbot.requester;

import io.testbot.protocol.BuildEvent;

import java.io.PrintStream;

/** Prints each job's output as one block, headed by what it ran where, as it finishes. */
final class JobOutput implements BuildListener {
    private final PrintStream out;

    JobOutput(PrintStream out) {
        this.out = out;
    }

    @Override
    public void jobFinished(BuildEvent event, BuildResults results, int totalJobs) {
        var r = event.result();
        String what = event.attempt() == 0 ? String.format("job %d/%d", results.jobsDone(), totalJobs)
                : "re-run " + event.attempt() + " of failing " + results.adapter().testsNoun();
        StringBuilder block = new StringBuilder()
                .append(String.format("── %s · %s #%d · %.2f s · %s%n", what, event.runner(), r.instance(), r.seconds(), r.command()));
        block.append(r.output());
        if (!r.output().endsWith("\n")) block.append('\n');
        synchronized (out) {
            out.print(block);
            out.flush();
        }
    }
}
