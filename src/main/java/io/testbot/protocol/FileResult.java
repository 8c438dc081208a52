package io.testbot.protocol;

import java.util.List;

/** The structured outcome of one test file within a job. */
public record FileResult(String path, int examples, int failures, int pending, double seconds,
                         List<Failure> failed) {
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
}
