package io.testbot.server;

import io.testbot.protocol.Api;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Who a request comes from, and what that one may do. The server's own token (--token, or the one it generated)
 * is an admin's; named tokens (testbot server token add) carry a role:
 * <ul>
 *   <li>runner: what a runner does (register, heartbeat, take jobs, report results, fetch a build's files) and
 *       reading; not submitting or cancelling builds, nor uploading files;</li>
 *   <li>user: everything a requester does; cancels its own builds only;</li>
 *   <li>admin: everything.</li>
 * </ul>
 */
public final class Access {
    private Access() {}

    public enum Role {
        ADMIN, USER, RUNNER;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** admin, user or runner; an IllegalArgumentException naming them for anything else. */
        public static Role of(String label) {
            for (Role role : values()) if (role.label().equals(label)) return role;
            throw new IllegalArgumentException("no role '" + label + "' (admin, user or runner)");
        }
    }

    /** @param named a token made with `token add` (builds record its name); false for the server's own token */
    public record Principal(String name, Role role, boolean named) {}

    /** The server's own token. */
    static final Principal SERVER_TOKEN = new Principal("admin", Role.ADMIN, false);
    /** Anyone, on a server started with --insecure. */
    static final Principal ANYONE = new Principal("anyone", Role.ADMIN, false);

    private static final Pattern RUNNER_POSTS = Pattern.compile("/runners/[^/]+/(heartbeat|jobs/next|leave)|/jobs/[^/]+/result");

    /** Whether this role may make this request (a user's cancel is checked against the build too). */
    static boolean allows(Role role, String method, String path) {
        if (role != Role.RUNNER) return true;
        if (method.equals("GET") || method.equals("HEAD")) return true;
        if (!method.equals("POST")) return false;
        return path.equals(Api.RUNNERS) || path.equals(Api.BLOBS_FETCH) || RUNNER_POSTS.matcher(path).matches();
    }

    /** A new token: 24 random bytes, in hex. */
    public static String newToken() {
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        return HexFormat.of().formatHex(secret);
    }

    /** What the store keeps of a token. */
    public static String sha256(String token) {
        return io.testbot.sync.Hashing.sha256(token.getBytes(StandardCharsets.UTF_8));
    }
}
