package io.testbot.adapters;

import io.testbot.protocol.FileResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.ToolProvider;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Compiles a small Jupiter suite against this build's own JUnit, runs it with the launcher testbot ships. */
class JUnitAdapterTest {
    final JUnitAdapter adapter = new JUnitAdapter();

    /** The JUnit jars this test runs with, for the sample's classpath. */
    static String junitJars() {
        return String.join(":", List.of(System.getProperty("java.class.path").split(File.pathSeparator)).stream()
                .filter(p -> p.contains("junit") || p.contains("opentest4j") || p.contains("apiguardian")).toList());
    }

    static Path compile(Path project) throws Exception {
        Path src = Files.createDirectories(project.resolve("src/test/java/demo"));
        Files.writeString(src.resolve("CalcTest.java"), """
                package demo;
                import org.junit.jupiter.api.*;
                import static org.junit.jupiter.api.Assertions.*;
                class CalcTest {
                  @Test void adds() { assertEquals(3, 1 + 2); }
                  @Test void fails() { assertEquals(4, 1 + 2); }
                  @Test @DisplayName("throws, by its display name") void errors() { throw new IllegalStateException("boom"); }
                  @Disabled("later") @Test void skipped() { }
                  @Nested class Inner { @Test void nested() { assertTrue(true); } }
                }
                """);
        Files.writeString(src.resolve("ParamTest.java"), """
                package demo;
                import org.junit.jupiter.params.ParameterizedTest;
                import org.junit.jupiter.params.provider.ValueSource;
                import static org.junit.jupiter.api.Assertions.*;
                class ParamTest {
                  @ParameterizedTest @ValueSource(ints = {1, 2}) void even(int x) { assertEquals(0, x % 2); }
                  @ParameterizedTest @ValueSource(strings = {"a"}) void even(String s) { assertEquals("a", s); }
                }
                """);
        Files.writeString(src.resolve("OtherTest.java"), """
                package demo;
                import org.junit.jupiter.api.Test;
                class OtherTest { @Test void works() { System.out.println("env=[" + System.getenv("TEST_ENV_NUMBER") + "]"); } }
                """);
        Path classes = Files.createDirectories(project.resolve("target/test-classes"));
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", junitJars()));
        args.add(src.resolve("CalcTest.java").toString());
        args.add(src.resolve("OtherTest.java").toString());
        args.add(src.resolve("ParamTest.java").toString());
        assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(String[]::new))).isZero();
        return project;
    }

    record Run(String output, int exit, Adapter.Results results) {}

    Run run(Path project, List<String> entries) throws Exception {
        Path results = Files.createDirectories(project.resolve("work/results")).resolve("job.json");
        List<String> options = List.of("--class-path", "target/test-classes:" + junitJars());
        Process java = new ProcessBuilder(adapter.command(entries, options, results)).directory(project.toFile()).redirectErrorStream(true).start();
        String output = new String(java.getInputStream().readAllBytes());
        int exit = java.waitFor();
        return new Run(output, exit, adapter.readResults(results, entries, exit, options));
    }

    @Test
    void runsClassesWithTheShippedLauncherAndReadsItsReportPerClass(@TempDir Path project) throws Exception {
        compile(project);
        List<String> entries = List.of("target/test-classes/demo/CalcTest.class", "target/test-classes/demo/OtherTest.class");
        Run run = run(project, entries);

        assertThat(run.exit()).as(run.output()).isEqualTo(1);
        assertThat(run.output()).contains("CalcTest").contains("[         6 tests found           ]");
        Adapter.Totals totals = Adapter.Totals.of(run.results().files(), 0);
        assertThat(adapter.totalsLine(totals)).isEqualTo("Tests run: 6, Failures: 1, Errors: 1, Skipped: 1");
        FileResult calc = run.results().files().get(0);
        assertThat(calc.path()).isEqualTo(entries.get(0));
        assertThat(calc.examples()).as("the nested class counts with its outer one").isEqualTo(5);
        // Re-run ids name the Java method, even behind a display name.
        assertThat(calc.failed()).extracting(FileResult.Failure::rerunId)
                .containsExactlyInAnyOrder(entries.get(0) + "#fails()", entries.get(0) + "#errors()");
        assertThat(calc.failed()).extracting(adapter::rerunCommand).contains("mvn test -Dtest=CalcTest#fails");
        assertThat(Files.exists(project.resolve("work/results/job.json.reports"))).as("reports are cleaned up").isFalse();
        assertThat(Files.list(project.resolve("work/tools")).map(p -> p.getFileName().toString()).toList())
                .singleElement().asString().startsWith("junit-platform-console-standalone");
    }

    @Test
    void surefiresArgLineReachesTheTestsJvmAndItsIncludesChooseTheClasses(@TempDir Path project) throws Exception {
        compile(project);
        Path src = project.resolve("src/test/java/demo");
        Files.writeString(src.resolve("PropertyCheck.java"), """
                package demo;
                import org.junit.jupiter.api.*;
                import static org.junit.jupiter.api.Assertions.*;
                class PropertyCheck {
                  @Test void seesTheArgLine() { assertEquals("yes", System.getProperty("from.argline")); }
                  @Test void opensJavaLang() throws Exception {
                    var field = Class.forName("java.lang.String").getDeclaredField("value");
                    field.setAccessible(true); // InaccessibleObjectException without --add-opens
                  }
                }
                """);
        assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", project.resolve("target/test-classes").toString(), "-cp", junitJars(),
                src.resolve("PropertyCheck.java").toString())).isZero();
        Path pom = project.resolve(SurefireSettings.EFFECTIVE_POM);
        Files.writeString(pom, SurefireSettingsTest.EFFECTIVE_POM.replace("-Dquoted=\"a b\"", "-Dfrom.argline=yes")
                .replace("<include>**/*Test.java</include>", "<include>**/Other*.java</include>"));

        assertThat(adapter.filesToRun(project, adapter.defaultPatterns(), List.of(), List.of(), project.resolve("tools")))
                .as("Surefire's includes, not the default names").containsExactly("target/test-classes/demo/OtherTest.class", "target/test-classes/demo/PropertyCheck.class");
        Path results = Files.createDirectories(project.resolve("work/results")).resolve("job.json");
        List<String> options = new ArrayList<>(List.of("--class-path", "target/test-classes:" + junitJars()));
        SurefireSettings.of(project).jvmOptions().forEach(o -> options.add(JUnitAdapter.JVM_OPTION + o));
        List<String> entries = List.of("target/test-classes/demo/PropertyCheck.class");
        Process java = new ProcessBuilder(adapter.command(entries, options, results)).directory(project.toFile()).redirectErrorStream(true).start();
        String output = new String(java.getInputStream().readAllBytes());
        assertThat(java.waitFor()).as(output).isZero();
        assertThat(adapter.readResults(results, entries, 0, options).files()).singleElement().satisfies(f -> assertThat(f.examples()).isEqualTo(2));
    }

    @Test
    void oneMethodOfAClassRunsAlone(@TempDir Path project) throws Exception {
        compile(project);
        Run run = run(project, List.of("target/test-classes/demo/CalcTest.class#fails"));
        Adapter.Totals totals = Adapter.Totals.of(run.results().files(), 0);
        assertThat(adapter.totalsLine(totals)).isEqualTo("Tests run: 1, Failures: 1, Errors: 0, Skipped: 0");
        assertThat(run.results().files()).singleElement().extracting(FileResult::path).isEqualTo("target/test-classes/demo/CalcTest.class");
    }

    @Test
    void aFailingParameterizedTestReRunsByItsMethodAndParameterTypes(@TempDir Path project) throws Exception {
        compile(project);
        Run run = run(project, List.of("target/test-classes/demo/ParamTest.class"));
        assertThat(adapter.totalsLine(Adapter.Totals.of(run.results().files(), 0))).isEqualTo("Tests run: 3, Failures: 1, Errors: 0, Skipped: 0");
        String id = run.results().files().get(0).failed().get(0).rerunId();
        assertThat(id).isEqualTo("target/test-classes/demo/ParamTest.class#even(int)");
        assertThat(adapter.rerunCommand(run.results().files().get(0).failed().get(0))).isEqualTo("mvn test -Dtest=ParamTest#even");

        Run again = run(project, List.of(id));
        assertThat(adapter.totalsLine(Adapter.Totals.of(again.results().files(), 0))).isEqualTo("Tests run: 2, Failures: 1, Errors: 0, Skipped: 0");
    }

    @Test
    void aSlowClassSplitsIntoRunsOfItsMethodsUnlessItHasNestedClasses(@TempDir Path project) throws Exception {
        compile(project);
        String param = "target/test-classes/demo/ParamTest.class", calc = "target/test-classes/demo/CalcTest.class";
        java.util.Map<String, List<String>> parts = adapter.split(project, java.util.Map.of(param, 2, calc, 2),
                List.of("--class-path", "target/test-classes:" + junitJars()), project.resolve("tools"));

        assertThat(parts).containsOnlyKeys(param);
        assertThat(parts.get(param)).containsExactlyInAnyOrder(param + "#even(int)", param + "#even(java.lang.String)");
        Run run = run(project, parts.get(param));
        assertThat(adapter.totalsLine(Adapter.Totals.of(run.results().files(), 0))).isEqualTo("Tests run: 3, Failures: 1, Errors: 0, Skipped: 0");
        assertThat(adapter.displayCommand(parts.get(param), List.of())).isEqualTo("mvn test -Dtest=ParamTest#even,ParamTest#even");
        assertThat(adapter.fileOf(param + "#a()+b(int, java.lang.String[])")).isEqualTo(param);
    }

    @Test
    void entriesAndFilesAreCheckedAndNamedAsMavenUsersKnowThem() {
        assertThat(adapter.fileOf("target/test-classes/demo/CalcTest.class#fails")).isEqualTo("target/test-classes/demo/CalcTest.class");
        assertThatThrownBy(() -> adapter.fileOf("target/test-classes/demo/CalcTest.class#x;rm")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> adapter.fileOf("src/CalcTest.java")).isInstanceOf(IllegalArgumentException.class);
        assertThat(adapter.isTestFile("target/test-classes/demo/CalcTest$Inner.class")).isFalse();
        assertThat(adapter.displayCommand(List.of("target/test-classes/demo/CalcTest.class", "mod/target/test-classes/a/b/OtherTest.class#works"), List.of()))
                .isEqualTo("mvn test -Dtest=CalcTest,OtherTest#works");
        assertThat(adapter.optionsProblem(List.of())).contains("--class-path");
    }
}
