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
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        EstimateReport.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), files, reply, instances, "here");
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
}
