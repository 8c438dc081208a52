package io.testbot.protocol;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/** What history says about a set of files: asked of the server with POST /estimate. */
public final class Estimate {
    private Estimate() {}

    public record Request(String project, String adapter, List<String> files) {}

    /**
     * @param runtimes           recorded seconds of the files that have history
     * @param jobOverhead        measured seconds to start a job on this project, or null
     * @param availableInstances instances of live, up-to-date runners now
     */
    public record Reply(Map<String, Double> runtimes, Double jobOverhead, int availableInstances) {
        public OptionalDouble overhead() {
            return jobOverhead == null ? OptionalDouble.empty() : OptionalDouble.of(jobOverhead);
        }
    }
}
