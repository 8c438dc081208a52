package io.testbot.cli;

import io.testbot.requester.KeptWarm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AttachedRunsTest {
    @TempDir
    Path dir;

    @Test
    void aRequestIsItsNulTerminatedStringsUpToTheEmptyOne() throws IOException {
        byte[] request = "testbot-attach 1\0/p\0a b\0\0ignored".getBytes(StandardCharsets.UTF_8);
        assertThat(AttachedRuns.read(new ByteArrayInputStream(request))).containsExactly("testbot-attach 1", "/p", "a b");
        assertThatThrownBy(() -> AttachedRuns.read(new ByteArrayInputStream("cut\0short".getBytes(StandardCharsets.UTF_8))))
                .hasMessageContaining("went away");
        byte[] huge = new byte[(4 << 20) + 10];
        java.util.Arrays.fill(huge, (byte) 'x');
        assertThatThrownBy(() -> AttachedRuns.read(new ByteArrayInputStream(huge))).hasMessageContaining("more than");
    }

    @Test
    void whatItWouldNotRunAsTheClientsOwnJvmWouldIsHandedBackUntouched() throws Exception {
        Path root = dir.resolve("project").toAbsolutePath();
        // Nothing here reaches the run: a server is not needed.
        try (AttachedRuns runs = AttachedRuns.listen(dir, root, new KeptWarm.Serving(null, "identity"))) {
            String jar = "/nowhere/testbot.jar";
            List<String> env = new ArrayList<>();
            System.getenv().forEach((name, value) -> env.add(name + "=" + value));
            // Another protocol, another directory, a jar this process is not from (here none), and a malformed request;
            // a client with another environment: KeptWarmIT.
            assertThat(answer(List.of("testbot-attach 2", root.toString(), jar, "1", "rspec"))).isEqualTo("h");
            assertThat(answer(with(List.of("testbot-attach 1", dir.toString(), jar, "1", "rspec"), env))).isEqualTo("h");
            assertThat(answer(with(List.of("testbot-attach 1", root.toString(), jar, "1", "rspec"), env))).isEqualTo("h");
            assertThat(answer(List.of("testbot-attach 1", root.toString(), jar, "2", "rspec"))).isEqualTo("h");
        }
        assertThat(dir.resolve(AttachedRuns.SOCKET)).doesNotExist();
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // without the cut-off the read below waits for ever
    void aClientThatSendsNoRequestIsCutOffAndTheNextOneIsAnswered() throws Exception {
        try (AttachedRuns runs = AttachedRuns.listen(dir, dir.toAbsolutePath(), new KeptWarm.Serving(null, "identity"), java.time.Duration.ofMillis(200));
             SocketChannel silent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            silent.connect(UnixDomainSocketAddress.of(dir.resolve(AttachedRuns.SOCKET)));
            assertThat(Channels.newInputStream(silent).read()).isEqualTo(-1); // closed by the kept-warm process, nothing sent
            assertThat(answer(List.of("testbot-attach 2"))).isEqualTo("h");
        }
    }

    @Test
    void onlyTheVariablesAShellChangesBetweenCommandsMayDiffer() {
        Map<String, String> own = Map.of("PATH", "/bin", "PWD", "/a", "SHLVL", "1", "TESTBOT_SERVER", "");
        assertThat(KeptWarm.differingVariables(Map.of("PATH", "/bin", "PWD", "/b", "SHLVL", "2", "TESTBOT_SERVER", ""), own)).isEmpty();
        assertThat(KeptWarm.differingVariables(Map.of("PATH", "/usr/bin", "TESTBOT_SERVER", "http://ci", "LANG", "C"), own))
                .containsExactly("LANG", "PATH", "TESTBOT_SERVER");
    }

    private static List<String> with(List<String> request, List<String> more) {
        List<String> all = new ArrayList<>(request);
        all.addAll(more);
        return all;
    }

    /** The type of the first frame the request is answered with. */
    private String answer(List<String> request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(dir.resolve(AttachedRuns.SOCKET)));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String s : request) bytes.write((s + "\0").getBytes(StandardCharsets.UTF_8));
            bytes.write(0);
            channel.write(ByteBuffer.wrap(bytes.toByteArray()));
            byte[] header = Channels.newInputStream(channel).readNBytes(5);
            assertThat(header).hasSize(5);
            return String.valueOf((char) header[0]);
        }
    }
}
