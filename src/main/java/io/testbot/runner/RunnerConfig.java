package io.testbot.runner;

import java.nio.file.Path;

/**
 * How to run a runner.
 *
 * @param server      the server's address, and token its token (not used by local mode's runner, which calls its
 *                    server in process)
 * @param inPlaceRoot local mode only: run in-place builds in this directory instead of a synced copy
 * @param version     the version this runner reports (normally {@link io.testbot.protocol.Version#CURRENT})
 * @param warmWorkers keep a framework process per instance and build that runs job after job, where the framework
 *                    has one (rspec), instead of starting a process per job
 * @param environment what of the runner's own environment the processes of builds see
 * @param keepCopies  how long a copy of a project that no build used, and a cached file, stay (null: for ever)
 * @param preboot     with warm workers, boot each instance's worker again in its last copy once the runner is idle,
 *                    where the framework's worker loads the project (see {@link InstanceWorkers})
 * @param inPlaceIgnores with an in-place root and booting ahead: what of it the snapshots that decide whether a
 *                    worker booted ahead still fits leave out, beyond the defaults (the project's own ignores)
 * @param jvms        at most so many processes at once of a framework whose processes compile the code they run
 *                    (JUnit's JVMs; see {@link CoreSlots}); 0: one per core
 */
public record RunnerConfig(String server, String token, int instances, Path workDir, String hostname, String version,
                           Path inPlaceRoot, boolean warmWorkers, PassedVariables environment, java.time.Duration keepCopies,
                           boolean preboot, java.util.List<String> inPlaceIgnores, int jvms) {

    public RunnerConfig {
        inPlaceIgnores = inPlaceIgnores == null ? java.util.List.of() : java.util.List.copyOf(inPlaceIgnores);
        jvms = jvmsOrCores(jvms);
    }

    /** A number of JVMs at once as given (--jvms, TESTBOT_JVMS): 0 stands for one per core. */
    public static int jvmsOrCores(int jvms) {
        return jvms <= 0 ? Runtime.getRuntime().availableProcessors() : jvms;
    }
}
