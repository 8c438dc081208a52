package io.testbot.runner;

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

    static void apply(ProcessBuilder builder, String testEnvNumber, int instances) {
        builder.environment().putAll(of(testEnvNumber, instances));
    }
}
