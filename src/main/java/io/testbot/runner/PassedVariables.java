package io.testbot.runner;

import java.util.List;
import java.util.Map;

/**
 * Which of the runner's own environment variables the processes it starts for builds (tests, before_run, workers,
 * spares) inherit. A runner's shell holds its token and whatever else its operator exported: a build, which runs
 * whatever its requester sent, sees only what a program needs to run ({@link #BASE}) and the names the operator
 * passes with {@code --pass-env}. Local mode runs the user's own builds on the user's own machine, in the user's
 * environment, as the framework alone would; no mode passes testbot's own variables (TESTBOT_TOKEN...).
 */
public record PassedVariables(boolean all, List<String> names) {
    /** What every process needs, and the settings of the language tools' own places (gems, a JDK). */
    public static final List<String> BASE = List.of("PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TZ", "LANG", "LANGUAGE",
            "LC_*", "TERM", "JAVA_HOME", "GEM_HOME", "GEM_PATH");

    /** How long an idle worker waits for its next job: testbot's own setting, and no secret. */
    static final String WORKER_IDLE = "TESTBOT_WORKER_IDLE";

    public PassedVariables {
        names = List.copyOf(names);
    }

    /** Local mode: the user's environment, but for testbot's own variables. */
    public static PassedVariables everything() {
        return new PassedVariables(true, List.of());
    }

    /** A runner: {@link #BASE} and these names ("NAME", or "PREFIX*" for every name that starts with PREFIX). */
    public static PassedVariables only(List<String> passed) {
        for (String name : passed) {
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*\\*?")) throw new IllegalArgumentException("--pass-env: not a variable name: '" + name + "'");
            if (name.startsWith("TESTBOT_")) throw new IllegalArgumentException("--pass-env: testbot's own variables never reach a build: " + name);
        }
        return new PassedVariables(false, passed);
    }

    /** Removes what a build must not see from an environment inherited from the runner. */
    void restrict(Map<String, String> environment) {
        environment.keySet().removeIf(name -> !passes(name));
    }

    boolean passes(String name) {
        if (name.equals(WORKER_IDLE)) return true;
        if (name.startsWith("TESTBOT_")) return false;
        if (all) return true;
        return matches(BASE, name) || matches(names, name);
    }

    private static boolean matches(List<String> patterns, String name) {
        for (String pattern : patterns) {
            if (pattern.endsWith("*") ? name.startsWith(pattern.substring(0, pattern.length() - 1)) : name.equals(pattern)) return true;
        }
        return false;
    }
}
