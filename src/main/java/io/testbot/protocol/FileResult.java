package io.testbot.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;

import java.util.List;
import java.util.Map;

/**
 * The structured outcome of one test file within a job.
 *
 * @param examples the file's tests, examples or scenarios, as its framework counts them
 * @param failures those that failed (or errored)
 * @param pending  those skipped, pending or omitted
 * @param counts   further counters in the framework's own terms, summed over a build ("assertions", "errors",
 *                 "steps", "steps_failed", ...)
 * @param cases    each test as it ran, for the JUnit XML report
 * @param error    why the file did not run, as its framework said (it failed to load: "LoadError: cannot load such
 *                 file -- nokogiri"), or null; such a file fails the build and costs only itself
 */
public record FileResult(String path, int examples, int failures, int pending, double seconds,
                         List<Failure> failed, Map<String, Integer> counts, List<TestCase> cases, String error) {
    @JsonCreator
    public FileResult {
        failed = failed == null ? List.of() : failed;
        counts = counts == null ? Map.of() : counts;
        cases = cases == null ? List.of() : cases;
    }

    public FileResult(String path, int examples, int failures, int pending, double seconds,
                      List<Failure> failed, Map<String, Integer> counts, List<TestCase> cases) {
        this(path, examples, failures, pending, seconds, failed, counts, cases, null);
    }

    public FileResult(String path, int examples, int failures, int pending, double seconds, List<Failure> failed) {
        this(path, examples, failures, pending, seconds, failed, Map.of(), List.of());
    }

    /** A file that did not run: it failed to load, with this error. */
    public static FileResult notLoaded(String path, String error) {
        return new FileResult(path, 0, 0, 0, 0, List.of(), Map.of(), List.of(), error);
    }

    /**
     * A failed example: where it is, for people ("./spec/a_spec.rb:12"), and its id, which runs exactly it
     * ("./spec/a_spec.rb[1:2]"; the location where the framework has no ids).
     */
    public record Failure(String location, String description, String id) {
        /** What a re-run of this failure runs: its id, or its location where the framework gave none. */
        public String rerunId() {
            return id != null ? id : location;
        }
    }

    /**
     * One test as it ran.
     *
     * @param status  passed, failed, error or skipped
     * @param message the failure's text, or null
     * @param id      the re-run id of the test when it failed (matches {@link Failure#rerunId()}), or null
     */
    public record TestCase(String classname, String name, double seconds, String status, String message, String id) {
        public static final String PASSED = "passed", FAILED = "failed", ERROR = "error", SKIPPED = "skipped";
    }
}
