package io.testbot.adapters;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Surefire's settings as help:effective-pom writes them, parents' included. */
class SurefireSettingsTest {
    static final String EFFECTIVE_POM = """
            <?xml version="1.0" encoding="UTF-8"?>
            <project xmlns="http://maven.apache.org/POM/4.0.0">
              <modelVersion>4.0.0</modelVersion>
              <build>
                <plugins>
                  <plugin>
                    <artifactId>maven-compiler-plugin</artifactId>
                    <configuration><release>17</release></configuration>
                  </plugin>
                  <plugin>
                    <groupId>org.apache.maven.plugins</groupId>
                    <artifactId>maven-surefire-plugin</artifactId>
                    <version>3.2.5</version>
                    <configuration>
                      <includes>
                        <include>**/*Check.java</include>
                        <include>**/*Test.java</include>
                      </includes>
                      <excludes>
                        <exclude>**/Broken*.java</exclude>
                        <exclude>%regex[.*Ignored.*]</exclude>
                      </excludes>
                      <argLine>@{argLine} -Xmx256m --add-opens java.base/java.lang=ALL-UNNAMED -Dquoted="a b"</argLine>
                      <systemPropertyVariables>
                        <greeting>hello</greeting>
                      </systemPropertyVariables>
                      <excludedGroups>slow | flaky</excludedGroups>
                    </configuration>
                  </plugin>
                </plugins>
              </build>
            </project>
            """;

    @Test
    void readsIncludesExcludesJvmOptionsAndTags(@TempDir Path root) throws Exception {
        Path pom = root.resolve(SurefireSettings.EFFECTIVE_POM);
        Files.createDirectories(pom.getParent());
        Files.writeString(pom, EFFECTIVE_POM);

        SurefireSettings surefire = SurefireSettings.of(root);

        assertThat(surefire.jvmOptions()).containsExactly("-Xmx256m", "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Dquoted=a b", "-Dgreeting=hello");
        assertThat(surefire.tagOptions()).containsExactly("--exclude-tag=slow | flaky");
        assertThat(surefire.runs("com/x/CalcCheck.class")).isTrue();
        assertThat(surefire.runs("CalcTest.class")).as("**/ also matches no directory").isTrue();
        assertThat(surefire.runs("com/x/BrokenCheck.class")).as("excluded").isFalse();
        assertThat(surefire.runs("com/x/IgnoredCheck.class")).as("excluded by a regular expression").isFalse();
        assertThat(surefire.runs("com/x/CalcTests.class")).as("not among its includes, though a default one").isFalse();
        assertThat(surefire.reuseForks()).as("Surefire's default").isTrue();
    }

    @Test
    void aSurefireThatStartsAJvmPerClassKeepsEachClassApartInTestbotToo(@TempDir Path root) throws Exception {
        Path pom = root.resolve(SurefireSettings.EFFECTIVE_POM);
        Files.createDirectories(pom.getParent());
        Files.writeString(pom, EFFECTIVE_POM.replace("<excludedGroups>", "<reuseForks>false</reuseForks><excludedGroups>"));

        SurefireSettings surefire = SurefireSettings.of(root);

        assertThat(surefire.reuseForks()).isFalse();
        List<String> options = List.of("--class-path", root.toString(), JUnitAdapter.FRESH_JVM_PER_CLASS);
        assertThat(Adapters.get("junit").workerCommand(root.resolve("tools"), options)).as("a JVM of its own for each job").isNull();
        assertThat(Adapters.get("junit").workerCommand(root.resolve("tools"), List.of("--class-path", root.toString()))).isNotNull();
    }

    @Test
    void withoutAnEffectivePomSurefiresDefaultsHold(@TempDir Path root) throws Exception {
        SurefireSettings surefire = SurefireSettings.of(root);
        assertThat(surefire).isEqualTo(SurefireSettings.DEFAULTS);
        assertThat(List.of("a/TestCalc.class", "a/CalcTest.class", "a/CalcTests.class", "a/CalcTestCase.class")).allMatch(surefire::runs);
        assertThat(surefire.runs("a/CalcTest$Inner.class")).isFalse();
        assertThat(surefire.runs("a/Calc.class")).isFalse();
    }

    @Test
    void shellWordsSplitAsAShellWould() {
        assertThat(ShellWords.split(" -Da='x y'  -Db=\"q \\\"r\\\"\" c\\ d ")).containsExactly("-Da=x y", "-Db=q \"r\"", "c d");
        assertThat(ShellWords.split("")).isEmpty();
    }

    @Test
    void argLineDefaultsToTheProjectsArgLineProperty(@TempDir Path root) throws Exception {
        Path pom = root.resolve(SurefireSettings.EFFECTIVE_POM);
        Files.createDirectories(pom.getParent());
        // As commons-lang3's: the java9+ profile sets the property, the plugin does not name it.
        Files.writeString(pom, """
                <projects><project xmlns="http://maven.apache.org/POM/4.0.0">
                  <properties><argLine>-Xmx512m --add-opens java.base/java.util=ALL-UNNAMED</argLine></properties>
                  <build><plugins><plugin><artifactId>maven-surefire-plugin</artifactId></plugin></plugins></build>
                </project></projects>
                """);
        assertThat(SurefireSettings.of(root).jvmOptions()).containsExactly("-Xmx512m", "--add-opens", "java.base/java.util=ALL-UNNAMED");
        assertThat(SurefireSettings.of(root).includes()).isEqualTo(SurefireSettings.DEFAULT_INCLUDES);
    }
}
