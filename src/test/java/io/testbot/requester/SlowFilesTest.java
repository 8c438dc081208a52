package io.testbot.requester;

import io.testbot.protocol.Estimate;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SlowFilesTest {
    final List<String> files = List.of("slow", "a", "b", "c");
    final Map<String, Double> runtimes = Map.of("slow", 12.0, "a", 2.0, "b", 1.0, "c", 1.0);

    @Test
    void aFileLongerThanAnInstancesShareIsCutIntoHalfShares() {
        // 16 s on 4 instances: a share is 4 s, a part 2 s, so the 12 s file becomes 6 parts.
        assertThat(SlowFiles.pieces(files, new Estimate.Reply(runtimes, 0.1, 4), 4, 0.3)).containsExactly(Map.entry("slow", 6));
    }

    @Test
    void partsAreNeverShorterThanAFewStartUpsNorMoreThanTwoPerInstance() {
        // Start-up 2 s: a part must be 6 s, so 2 parts.
        assertThat(SlowFiles.pieces(files, new Estimate.Reply(runtimes, 2.0, 4), 4, 0.3)).containsExactly(Map.entry("slow", 2));
        // Not measured yet: what the adapter assumes counts instead.
        assertThat(SlowFiles.pieces(files, new Estimate.Reply(runtimes, null, 4), 4, 2.0)).containsExactly(Map.entry("slow", 2));
        // 100 instances with no start-up cost: at most 200 parts.
        Map<String, Double> oneFile = Map.of("slow", 1000.0, "a", 0.0);
        assertThat(SlowFiles.pieces(List.of("slow", "a"), new Estimate.Reply(oneFile, 0.0, 100), 100, 0.3)).containsExactly(Map.entry("slow", 200));
    }

    @Test
    void nothingIsSplitWithoutHistoryOrWithOneInstanceOrWhenTheFilesAreEven() {
        assertThat(SlowFiles.pieces(files, new Estimate.Reply(Map.of(), null, 4), 4, 0.3)).isEmpty();
        assertThat(SlowFiles.pieces(files, new Estimate.Reply(runtimes, null, 1), 1, 0.3)).isEmpty();
        assertThat(SlowFiles.pieces(files, new Estimate.Reply(Map.of("slow", 1.0, "a", 1.0, "b", 1.0, "c", 1.0), null, 4), 4, 0.3)).isEmpty();
    }

    @Test
    void partsTakeTheirFilesPlace() {
        assertThat(SlowFiles.entries(List.of("a", "slow", "b"), Map.of("slow", List.of("slow[1:1]", "slow[1:2]"))))
                .containsExactly("a", "slow[1:1]", "slow[1:2]", "b");
    }
}
