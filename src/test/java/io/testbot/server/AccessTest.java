package io.testbot.server;

import io.testbot.store.SqliteStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AccessTest {
    @Test
    void aRunnerTokenRunsJobsAndReadsButSendsNoBuilds() {
        for (String post : new String[]{"/runners", "/runners/abc/heartbeat", "/runners/abc/jobs/next", "/runners/abc/leave", "/jobs/7/result", "/blobs/fetch"}) {
            assertThat(Access.allows(Access.Role.RUNNER, "POST", post)).as(post).isTrue();
        }
        for (String get : new String[]{"/builds/7/manifest", "/blobs/" + "a".repeat(64), "/status", "/metrics", "/version"}) {
            assertThat(Access.allows(Access.Role.RUNNER, "GET", get)).as(get).isTrue();
        }
        for (String post : new String[]{"/builds", "/builds/7/cancel", "/blobs/upload", "/blobs/missing", "/estimate", "/runners/abc/jobs/next/x"}) {
            assertThat(Access.allows(Access.Role.RUNNER, "POST", post)).as(post).isFalse();
        }
        assertThat(Access.allows(Access.Role.RUNNER, "PUT", "/blobs/" + "a".repeat(64))).isFalse();
        assertThat(Access.allows(Access.Role.USER, "POST", "/builds")).isTrue();
        assertThat(Access.allows(Access.Role.ADMIN, "POST", "/builds/7/cancel")).isTrue();
        assertThatThrownBy(() -> Access.Role.of("root")).hasMessageContaining("admin, user or runner");
    }

    @Test
    void tokensAreKeptHashedFoundByTheirHashAndRevoked(@TempDir Path dir) {
        try (SqliteStore store = new SqliteStore(dir.resolve("db.sqlite"))) {
            String token = Access.newToken();
            assertThat(token).hasSize(48).isNotEqualTo(Access.newToken());
            assertThat(store.addToken("alice", "user", Access.sha256(token), Instant.EPOCH)).isTrue();
            assertThat(store.addToken("alice", "admin", Access.sha256(Access.newToken()), Instant.EPOCH)).as("a name once").isFalse();
            assertThat(store.tokenBySha256(Access.sha256(token)).name()).isEqualTo("alice");
            assertThat(store.tokenBySha256(token)).as("the token itself is not what is kept").isNull();
            assertThat(store.tokens()).extracting(row -> row.name() + ":" + row.role()).containsExactly("alice:user");
            assertThat(store.revokeToken("alice")).isTrue();
            assertThat(store.revokeToken("alice")).isFalse();
            assertThat(store.tokenBySha256(Access.sha256(token))).isNull();
        }
    }
}
