package io.testbot.cli;

import io.testbot.adapters.JUnitAdapter;
import io.testbot.adapters.SurefireSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

@Command(name = "junit", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Runs a Maven project's compiled JUnit test classes (JUnit 5, and JUnit 4 through the vintage engine) in parallel,",
                "each job's classes in a forked JVM with the JUnit Platform launcher, and prints one summary.",
                "Compile first (mvn test-compile). The test classpath comes from `mvn dependency:build-classpath` (or --classpath-file);",
                "its jars are uploaded once and then found in every runner's cache. -O passes options to the launcher (e.g. -O --include-tag=fast).",
                "A runner (local mode's too) runs at most one test JVM per core at a time, however many instances: TESTBOT_JVMS=N (runner --jvms N) changes it.",
                "Exit status: 0 all passed, 1 failures or errors, 2 usage or configuration error, 3 infrastructure error."})
final class JunitCommand extends RequesterCommand {
    static final String CLASSPATH_FILE = "target/testbot-classpath.txt";

    @Option(names = "--classpath-file", paramLabel = "FILE", description = "The test classpath, as `mvn dependency:build-classpath -Dmdep.outputFile=FILE` writes it (default: run that, unless "
            + CLASSPATH_FILE + " is newer than pom.xml).")
    Path classpathFile;

    @Override
    String adapter() {
        return "junit";
    }

    /** target/test-classes, target/classes, then the dependencies. */
    @Override
    List<Path> classpath(Path root) throws Exception {
        if (!Files.isDirectory(root.resolve("target/test-classes"))) {
            throw new IllegalArgumentException("no compiled tests in " + root.resolve("target/test-classes") + "; run mvn test-compile first");
        }
        Path file = classpathFile != null ? classpathFile.toAbsolutePath() : resolveWithMaven(root, err);
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no such classpath file: " + file);
        List<Path> classpath = new ArrayList<>(List.of(root.resolve("target/test-classes"), root.resolve("target/classes")));
        for (String element : Files.readString(file).strip().split(File.pathSeparator)) {
            if (!element.isBlank()) classpath.add(Path.of(element.strip()));
        }
        return classpath;
    }

    /** Surefire's JVM options (-J, see JUnitAdapter) and tags, as the project's effective POM gives them. */
    @Override
    List<String> extraOptions(ProjectConfig file, Path root) throws Exception {
        SurefireSettings surefire = SurefireSettings.of(root);
        List<String> options = new ArrayList<>();
        surefire.jvmOptions().forEach(option -> options.add("-J" + option));
        options.addAll(surefire.tagOptions());
        if (!surefire.reuseForks()) options.add(JUnitAdapter.FRESH_JVM_PER_CLASS);
        return options;
    }

    /** One test class per job, each in a JVM of its own, where Surefire does not reuse its forks. */
    @Override
    int defaultFilesPerJob(Path root) throws Exception {
        return SurefireSettings.of(root).reuseForks() ? 0 : 1;
    }

    /**
     * The test classpath, and beside it the effective POM (Surefire's settings: see {@link SurefireSettings}), from
     * one Maven run, again only once pom.xml has changed.
     */
    private static Path resolveWithMaven(Path root, java.io.PrintStream err) throws Exception {
        Path file = root.resolve(CLASSPATH_FILE);
        Path effectivePom = root.resolve(SurefireSettings.EFFECTIVE_POM);
        Path pom = root.resolve("pom.xml");
        if (!Files.isRegularFile(pom)) throw new IllegalArgumentException("no pom.xml in " + root + "; give the test classpath with --classpath-file");
        if (newer(file, pom) && newer(effectivePom, pom)) return file;
        err.println("testbot: resolving the test classpath and Surefire's settings (mvn dependency:build-classpath help:effective-pom)");
        Process mvn = new ProcessBuilder("mvn", "-B", "-q", "dependency:build-classpath", "-Dmdep.outputFile=" + file, "-Dmdep.includeScope=test",
                        HELP_PLUGIN + ":effective-pom", "-Doutput=" + effectivePom)
                .directory(root.toFile()).redirectErrorStream(true).start();
        mvn.getOutputStream().close();
        String output = new String(mvn.getInputStream().readAllBytes());
        if (mvn.waitFor() != 0) {
            throw new IllegalStateException("mvn dependency:build-classpath failed (exit status " + mvn.exitValue() + "):\n" + output.strip());
        }
        // The plugin leaves an unchanged classpath file as it was: without this, a pom.xml touched since (a checkout,
        // an editor's save) would send every later build to Maven again.
        java.nio.file.attribute.FileTime now = java.nio.file.attribute.FileTime.from(java.time.Instant.now());
        for (Path written : List.of(file, effectivePom)) if (Files.isRegularFile(written)) Files.setLastModifiedTime(written, now);
        return file;
    }

    /** Pinned: the effective POM's form is the plugin's. */
    static final String HELP_PLUGIN = "org.apache.maven.plugins:maven-help-plugin:3.5.2";

    private static boolean newer(Path file, Path than) throws java.io.IOException {
        return Files.isRegularFile(file) && Files.getLastModifiedTime(file).compareTo(Files.getLastModifiedTime(than)) > 0;
    }
}
