package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.protocol.JobAssignment;

import java.util.HashMap;
import java.util.Map;

/** What every process a runner starts for a build finds in its environment. */
final class JobEnvironment {
    private JobEnvironment() {}

    /** The file listing the build's test files, for a framework whose jobs load them all (see Adapter#loadsWholeSuite). */
    static final String SUITE = "TESTBOT_SUITE";

    /**
     * A worker's job line with the variables its job's process sets for itself (testbot_worker.rb's "env"): the
     * build's list of test files, which a worker booted ahead of the build cannot have had.
     */
    static String intoWorkerJob(String line, java.nio.file.Path suite) {
        if (suite == null) return line;
        try {
            com.fasterxml.jackson.databind.node.ObjectNode job = (com.fasterxml.jackson.databind.node.ObjectNode) io.testbot.protocol.Json.MAPPER.readTree(line);
            job.putObject("env").put(SUITE, suite.toString());
            return io.testbot.protocol.Json.MAPPER.writeValueAsString(job);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a worker's job line that is not JSON: " + line, e);
        }
    }

    /** parallel_tests' convention: "" for the first instance, then "2", "3", ... */
    static String testEnvNumber(int instance) {
        return instance == 1 ? "" : String.valueOf(instance);
    }

    static Map<String, String> of(String testEnvNumber, int instances) {
        return Map.of("TEST_ENV_NUMBER", testEnvNumber, "TEST_INSTANCES", String.valueOf(instances), "RAILS_ENV", "test");
    }

    static void apply(ProcessBuilder builder, PassedVariables passed, String testEnvNumber, int instances) {
        passed.restrict(builder.environment());
        builder.environment().putAll(of(testEnvNumber, instances));
    }

    /**
     * A job's variables: its instance's, and the requester's that its framework reads, as the build carries them; a
     * null value unsets one (the runner's own SPEC_OPTS must not reach a build whose requester set none).
     */
    static Map<String, String> of(JobAssignment job, Adapter adapter, String testEnvNumber, int instances) {
        Map<String, String> variables = new HashMap<>(of(testEnvNumber, instances));
        for (String name : adapter.requesterVariables()) variables.put(name, job.environment().get(name));
        return variables;
    }

    /**
     * Keeps of the runner's environment what passes, and puts the variables into it, removing those whose value
     * is null.
     */
    static void apply(ProcessBuilder builder, PassedVariables passed, Map<String, String> variables) {
        passed.restrict(builder.environment());
        variables.forEach((name, value) -> {
            if (value == null) builder.environment().remove(name);
            else builder.environment().put(name, value);
        });
    }
}
