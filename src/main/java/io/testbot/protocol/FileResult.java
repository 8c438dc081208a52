package io.testbot.protocol;

import java.util.List;

/** The structured outcome of one test file within a job. */
public record FileResult(String path, int examples, int failures, int pending, double seconds,
                         List<Failure> failed) {
    /** A failed example with the command fragment that re-runs it, e.g. "./spec/a_spec.rb:12". */
    public record Failure(String location, String description) {}
}
