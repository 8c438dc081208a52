package io.testbot.adapters;

import io.testbot.protocol.FileResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CommandAdapterTest {
    final CommandAdapter adapter = new CommandAdapter();

    @Test
    void theFilesTakeThePlaceOfTheMarkerQuotedOrAreAppended() {
        assertThat(adapter.displayCommand(List.of("a b.sh", "c.sh"), List.of("bash -e {files} && echo ok"))).isEqualTo("bash -e 'a b.sh' c.sh && echo ok");
        assertThat(adapter.displayCommand(List.of("c.sh"), List.of("shellcheck"))).isEqualTo("shellcheck c.sh");
        assertThat(adapter.optionsProblem(List.of())).contains("needs a command");
        assertThat(adapter.optionsProblem(List.of("x", "y"))).contains("one option");
        assertThat(adapter.optionsProblem(List.of("x"))).isNull();
    }

    @Test
    void aFailingJobFailsEachOfItsFilesWithACommandThatRunsItAlone(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ok.sh"), "exit 0\n");
        Files.writeString(dir.resolve("bad.sh"), "exit 4\n");
        List<String> options = List.of("for f in {files}; do sh $f || exit; done");
        List<String> files = List.of("ok.sh", "bad.sh");
        Process sh = new ProcessBuilder(adapter.command(files, options, dir.resolve("unused.json"))).directory(dir.toFile()).start();
        int exit = sh.waitFor();
        assertThat(exit).isEqualTo(4);

        Adapter.Results results = adapter.readResults(dir.resolve("unused.json"), files, exit, options);
        assertThat(results.files()).allSatisfy(f -> assertThat(f.failures()).isEqualTo(1));
        assertThat(results.files()).as("the job's time, shared by its files").allSatisfy(f -> assertThat(f.seconds()).isPositive());
        assertThat(results.files().get(1).failed()).singleElement().extracting(adapter::rerunCommand).isEqualTo("for f in bad.sh; do sh $f || exit; done");
        assertThat(adapter.totalsLine(Adapter.Totals.of(results.files(), 0))).isEqualTo("2 files, 2 failed");
        assertThat(adapter.readResults(dir.resolve("unused.json"), files, 0, options).files()).allSatisfy(f -> assertThat(f.failed()).isEmpty());
    }
}
