package io.testbot.requester;

import io.testbot.adapters.Adapter;
import io.testbot.protocol.BuildTally;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.Verdict;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** The one summary at the end of a build, in the framework's words, with every reason it did not pass. */
final class SummaryReport implements BuildListener {
    private final PrintStream out;

    SummaryReport(PrintStream out) {
        this.out = out;
    }

    @Override
    public void buildFinished(Finished finished) {
        BuildResults results = finished.results();
        Adapter adapter = results.adapter();
        BuildTally tally = results.tally();
        Verdict verdict = finished.verdict();
        StringBuilder text = new StringBuilder("\n");
        Map<String, FileResult.Failure> flaky = tally.flaky();
        if (!flaky.isEmpty()) {
            text.append("Flaky ").append(adapter.testsNoun()).append(" (failed, then passed when re-run):\n\n");
            for (FileResult.Failure f : flaky.values()) text.append(adapter.rerunCommand(f)).append(" # ").append(f.description()).append('\n');
            text.append('\n');
        }
        List<FileResult.Failure> failures = List.copyOf(tally.failing());
        if (!failures.isEmpty()) {
            text.append("Failed ").append(adapter.testsNoun()).append(":\n\n");
            for (FileResult.Failure f : failures) text.append(adapter.rerunCommand(f)).append(" # ").append(f.description()).append('\n');
            text.append('\n');
        }
        if (!tally.notLoaded().isEmpty()) {
            text.append("Files that did not load (each costs only itself: the other files of its job ran):\n\n");
            tally.notLoaded().forEach((file, error) -> text.append("  ").append(file).append(" # ").append(error).append('\n'));
            text.append('\n');
        }
        if (!tally.erroredJobs().isEmpty()) {
            text.append("Errored jobs (no complete results; their output is above):\n\n");
            tally.erroredJobs().forEach(j -> text.append("  ").append(j).append('\n'));
            text.append('\n');
        }
        if (!verdict.withoutResult().isEmpty()) {
            text.append("testbot: ").append(verdict.withoutResult().size()).append(" file(s) have no result: ")
                    .append(String.join(", ", verdict.withoutResult().stream().limit(10).toList())).append('\n');
        }
        if (!verdict.withMoreThanOneResult().isEmpty()) {
            text.append("testbot: ").append(verdict.withMoreThanOneResult().size()).append(" file(s) have more than one result: ")
                    .append(String.join(", ", verdict.withMoreThanOneResult().stream().limit(10).toList())).append('\n');
        }
        if (verdict.cancelled()) text.append("testbot: build ").append(finished.build().id()).append(" was cancelled\n");
        text.append(adapter.totalsLine(results.totals())).append(flaky.isEmpty() ? "" : ", " + flaky.size() + " flaky (passed when re-run)").append('\n');
        text.append(String.format("Wall time %.2f s, summed job time %.2f s, %d job(s) on %d runner(s) (build %d, %s)%n",
                finished.wallSeconds(), results.jobSeconds(), results.jobsDone(), results.runners().size(), finished.build().id(), verdict.status()));
        double ideal = results.idealSeconds();
        if (ideal > 0) {
            text.append(String.format("Ideal wall time for %d instance(s) %.2f s; this build took %.2fx the ideal%n",
                    results.instances(), ideal, finished.wallSeconds() / ideal));
        }
        synchronized (out) {
            out.print(text);
            out.flush();
        }
    }

    static String bytes(long n) {
        if (n < 1024) return n + " B";
        if (n < 1024 * 1024) return String.format("%.1f KiB", n / 1024.0);
        return String.format("%.1f MiB", n / (1024.0 * 1024));
    }
}
