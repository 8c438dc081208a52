package io.testbot.requester;

import io.testbot.protocol.Estimate;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EstimateReportTest {
    static String print(List<String> files, Estimate.Reply reply, int instances) {
        return print(files, reply, instances, false);
    }

    static String print(List<String> files, Estimate.Reply reply, int instances, boolean splits) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        EstimateReport.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), files, reply, instances, "here", splits, 0.3);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void spreadsTheWorkAndNamesTheInstanceCountWhereTheLongestFileBoundsIt() {
        Map<String, Double> runtimes = Map.of("a", 4.0, "b", 2.0, "c", 1.0, "d", 1.0);
        String text = print(List.of("a", "b", "c", "d"), new Estimate.Reply(runtimes, 0.5, 2), 2);
        assertThat(text).contains("8.00 s of tests, the longest 4.00 s (a); job start-up 0.50 s")
                .contains("expected wall time on 2 instance(s): 4.5 s")
                .contains("more instances would not help");
        assertThat(print(List.of("a", "b", "c", "d", "e"), new Estimate.Reply(Map.of("a", 1.0, "b", 1.0), null, 1), 1))
                .contains("(3 without history counted at the mean, 1.00 s)")
                .contains("(assumed; not measured yet)")
                .contains("expected wall time on 1 instance(s): 5.3 s")
                .contains("more instances help up to about 5");
    }

    @Test
    void saysSoWhenThereIsNoHistory() {
        assertThat(print(List.of("a"), new Estimate.Reply(Map.of(), null, 4), 4)).contains("no runtime history");
    }

    @Test
    void whenSlowFilesAreSplitTheLongestFileNoLongerBoundsTheBuild() {
        Map<String, Double> runtimes = Map.of("a", 12.0, "b", 2.0, "c", 1.0, "d", 1.0);
        // 16 s on 4 instances: the 12 s file becomes 6 parts of 2 s, so the spread (4 s) bounds it.
        String text = print(List.of("a", "b", "c", "d"), new Estimate.Reply(runtimes, 0.1, 4), 4, true);
        assertThat(text).contains("the longest file would be split into 6 parts")
                .contains("expected wall time on 4 instance(s): 4.1 s")
                .contains("more instances help up to about");
        assertThat(print(List.of("a", "b", "c", "d"), new Estimate.Reply(runtimes, 0.1, 4), 4, false))
                .contains("expected wall time on 4 instance(s): 12.1 s");
    }
}
