package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.protocol.JobAssignment;

import java.util.HashMap;
import java.util.Map;

/** What every process a runner starts for a build finds in its environment. */
final class JobEnvironment {
    private JobEnvironment() {}

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
