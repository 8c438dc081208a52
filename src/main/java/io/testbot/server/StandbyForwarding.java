package io.testbot.server;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.testbot.protocol.Api;
import io.testbot.protocol.ErrorReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What a standby (a server whose store another server dispatches from) does with a request: the API's requests go
 * on to the dispatching server, as they came (its token included: that server checks it), and its answer comes back;
 * no thread waits meanwhile, so a standby given a farm's long-polls holds none. The blob routes are served here,
 * from the blob directory the servers share. Without a dispatching server to reach (none announced, or the announced
 * one does not answer) the answer is 503, and runners and requesters given several servers move on.
 */
final class StandbyForwarding {
    private static final Logger log = LoggerFactory.getLogger(StandbyForwarding.class);
    /**
     * Headers the JDK's client sets itself, or that belong to one connection; and the encodings accepted: the dispatching
     * server answers this server uncompressed, and this one compresses for its client as it would its own answers.
     */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "content-length", "expect", "host", "upgrade", "keep-alive",
            "transfer-encoding", "te", "trailer", "proxy-authorization", "proxy-connection", "http2-settings", "accept-encoding");
    /** How long the dispatching server's address is taken as read: a takeover changes it within a second or two. */
    private static final long ADDRESS_MILLIS = 1_000;

    private final Supplier<String> announced;
    private final Supplier<String> own;
    private final long maxRequestBytes;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1).build();
    private volatile String address;
    private volatile long addressReadAt;

    /**
     * @param announced reads the address the dispatching server announced in the store (null when none did)
     * @param own       this server's own announced address, which a standby never forwards to
     * @param maxRequestBytes the cap on a request's body, as the dispatching server has it (413 past it)
     */
    StandbyForwarding(Supplier<String> announced, Supplier<String> own, long maxRequestBytes) {
        this.announced = announced;
        this.own = own;
        this.maxRequestBytes = maxRequestBytes;
    }

    /** Whether a standby answers this request itself: the blobs are in the directory the servers share. */
    static boolean servedHere(Context ctx) {
        String path = ctx.path();
        return path.startsWith("/blobs/") || path.equals(Api.RUNNER_UPDATE);
    }

    /** Sends the request on, or answers 503; the reply follows when the dispatching server's comes. */
    void forward(Context ctx) throws java.io.IOException {
        String to = dispatcher();
        if (to == null || ctx.path().equals(StatusPage.EVENTS)) {
            unavailable(ctx, "this server stands by for another that shares its store, and knows no address of it to pass the request on to; "
                    + "ask that one (runners and requesters given both move on by themselves)");
            return;
        }
        URI uri;
        try {
            uri = URI.create(to + ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString()));
        } catch (IllegalArgumentException e) {
            ctx.status(HttpStatus.BAD_REQUEST).json(new ErrorReply("not a request path: " + e.getMessage()));
            return;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofMillis(ApiRoutes.MAX_WAIT_MILLIS + 30_000))
                .method(ctx.method().name(), HttpRequest.BodyPublishers.ofByteArray(body(ctx)));
        for (String name : ctx.headerMap().keySet()) {
            if (NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) continue;
            for (java.util.Enumeration<String> values = ctx.req().getHeaders(name); values.hasMoreElements(); ) request.header(name, values.nextElement());
        }
        request.header("X-Forwarded-For", ctx.ip());
        CompletableFuture<Void> reply = client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray()).handle((response, failure) -> {
            if (failure != null) {
                log.warn("could not pass {} {} on to {}: {}", ctx.method(), ctx.path(), to, failure.toString());
                addressReadAt = 0; // read it again: another server may have taken over
                unavailable(ctx, "this server stands by, and the server that dispatches (" + to + ") does not answer; ask another");
                return null;
            }
            ctx.status(response.statusCode());
            response.headers().map().forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (NOT_FORWARDED.contains(lower) || name.startsWith(":")) return;
                if (lower.equals("content-type")) ctx.contentType(values.get(0));
                else values.forEach(value -> ctx.res().addHeader(name, value));
            });
            ctx.result(response.body());
            return null;
        });
        ctx.future(() -> reply);
    }

    private byte[] body(Context ctx) throws java.io.IOException {
        try (java.io.InputStream in = new CappedInput(ctx.bodyInputStream(), maxRequestBytes, "a request")) {
            return in.readAllBytes();
        }
    }

    private String dispatcher() {
        long now = System.currentTimeMillis();
        // At most once a second, known or not: a standby with no dispatcher to name must not ask the store per request.
        if (now - addressReadAt > ADDRESS_MILLIS) {
            String read;
            try {
                read = announced.get();
            } catch (RuntimeException e) {
                read = null;
            }
            address = read == null || read.equals(own.get()) ? null : read;
            addressReadAt = now;
        }
        return address;
    }

    private static void unavailable(Context ctx, String why) {
        ctx.status(HttpStatus.SERVICE_UNAVAILABLE).json(new ErrorReply(why));
    }
}
