package io.testbot.protocol;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * The client side of {@link Api}: JSON in and out, bearer token, errors as typed exceptions; {@link ServerApi} over
 * HTTP.
 *
 * <p>Built on HttpURLConnection rather than java.net.http.HttpClient: the latter's selector thread waits in native
 * code, and the JVM gives such threads 300 ms at exit, which every requester run would pay.
 */
public final class ApiClient implements ServerApi {
    static {
        // HttpURLConnection would otherwise send a POST again when a kept-alive connection turns out closed,
        // which could submit a build twice.
        System.setProperty("sun.net.http.retryPost", "false");
    }

    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final int READ_TIMEOUT_MILLIS = 60_000;

    /** The servers to talk to, in order: one, or several that share a store (one dispatches, the others stand by). */
    private final List<URI> bases;
    /** Which of them answered last: requests go there until it stops answering. */
    private volatile int current;
    private final String token;
    /** Trusts the certificate authority given with --ca (every client of this process); null: the JVM's trust store. */
    private static volatile javax.net.ssl.SSLSocketFactory trusted;

    /**
     * Trusts the certificates of a PEM file (a server's own CA, or its self-signed certificate) for the https
     * servers this process talks to, instead of the system's authorities.
     */
    public static void trustCertificates(java.nio.file.Path pemFile) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(pemFile)) {
            var certificates = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) throw new IOException(pemFile + " holds no certificate");
            java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (var certificate : certificates) store.setCertificateEntry("ca-" + i++, certificate);
            javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            trusted = context.getSocketFactory();
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot read the certificates in " + pemFile + ": " + e.getMessage(), e);
        }
    }

    /** @param server HOST[:PORT] or a URL, or several of them separated by commas (servers sharing one store) */
    public ApiClient(String server, String token) {
        this.bases = baseUris(server);
        this.token = token;
    }

    /** Each of a comma-separated list of servers, as {@link #baseUri} takes it. */
    public static List<URI> baseUris(String servers) {
        List<URI> uris = java.util.Arrays.stream(servers.split(",")).filter(s -> !s.isBlank()).map(ApiClient::baseUri).toList();
        if (uris.isEmpty()) throw new IllegalArgumentException("not a server address: " + servers);
        return uris;
    }

    /** Accepts HOST, HOST:PORT or a full http(s) URL; the default port is 2288. */
    public static URI baseUri(String server) {
        String s = server.strip();
        if (!s.contains("://")) s = "http://" + s;
        URI uri = URI.create(s);
        if (uri.getHost() == null) throw new IllegalArgumentException("not a server address: " + server);
        int port = uri.getPort() == -1 ? Api.DEFAULT_PORT : uri.getPort();
        return URI.create(uri.getScheme() + "://" + uri.getHost() + ":" + port);
    }

    /** The server requests go to now. */
    public URI base() {
        return bases.get(current);
    }

    @Override
    public String describe() {
        return base().toString();
    }

    private interface Exchange<T> {
        T run() throws IOException;
    }

    /**
     * Runs a request against the current server and, when there are several and it stops answering (cannot be
     * reached, drops the connection, times out, or is a standby: 503), against the next, each once; then fails as
     * the last one did. A long-poll cut by a server that died is asked again of the next one.
     */
    private <T> T failover(Exchange<T> exchange) throws IOException {
        if (bases.size() == 1) return exchange.run();
        IOException last = null;
        for (int tried = 0; tried < bases.size(); tried++) {
            int at = current;
            try {
                return exchange.run();
            } catch (ApiException e) {
                if (e.status() != 503) throw e;
                last = e;
            } catch (IOException e) {
                last = e;
            }
            if (current == at) current = (at + 1) % bases.size();
        }
        throw last;
    }

    @Override
    public Runners.Registered register(Runners.Registration registration) throws IOException, InterruptedException {
        return post(Api.RUNNERS, registration, Runners.Registered.class);
    }

    @Override
    public Runners.HeartbeatReply heartbeat(String runnerId, Runners.Heartbeat heartbeat, long waitMillis) throws IOException, InterruptedException {
        return post(Api.path(Api.RUNNER_HEARTBEAT, runnerId), heartbeat, Runners.HeartbeatReply.class, waitMillis);
    }

    @Override
    public JobAssignment nextJob(String runnerId, int instance, long waitMillis) throws IOException, InterruptedException {
        String path = Api.path(Api.RUNNER_NEXT_JOB, runnerId) + (instance > 0 ? "?instance=" + instance : "");
        return post(path, null, JobAssignment.class, waitMillis);
    }

    @Override
    public Runners.ResultReply reportResult(long jobId, JobResult result) throws IOException, InterruptedException {
        return post(Api.path(Api.JOB_RESULT, jobId), result, Runners.ResultReply.class);
    }

    @Override
    public Runners.ResultReply reportResult(long jobId, JobResult result, int nextInstance) throws IOException, InterruptedException {
        return post(Api.path(Api.JOB_RESULT, jobId) + "?next=" + nextInstance, result, Runners.ResultReply.class);
    }

    @Override
    public void leave(String runnerId) throws IOException, InterruptedException {
        post(Api.path(Api.RUNNER_LEAVE, runnerId), null, Void.class);
    }

    @Override
    public BuildInfo submit(BuildRequest request) throws IOException, InterruptedException {
        return post(Api.BUILDS, request, BuildInfo.class);
    }

    @Override
    public EventsReply events(long buildId, long after, long waitMillis) throws IOException, InterruptedException {
        return poll(Api.path(Api.BUILD_EVENTS, buildId) + "?after=" + after + "&wait=" + waitMillis, EventsReply.class, waitMillis);
    }

    @Override
    public BuildInfo cancel(long buildId) throws IOException, InterruptedException {
        return post(Api.path(Api.BUILD_CANCEL, buildId), null, BuildInfo.class);
    }

    @Override
    public List<String> buildFiles(long buildId) throws IOException, InterruptedException {
        return get(Api.path(Api.BUILD_FILES, buildId), new TypeReference<List<String>>() {});
    }

    @Override
    public Estimate.Reply estimate(Estimate.Request request) throws IOException, InterruptedException {
        return post(Api.ESTIMATE, request, Estimate.Reply.class);
    }

    public <T> T get(String path, Class<T> type) throws IOException, InterruptedException {
        String body = exchange("GET", path, null, null, 0);
        return body == null ? null : Json.MAPPER.readValue(body, type);
    }

    public <T> T get(String path, TypeReference<T> type) throws IOException, InterruptedException {
        String body = exchange("GET", path, null, null, 0);
        return body == null ? null : Json.MAPPER.readValue(body, type);
    }

    /** GETs a long-poll that the server may hold for up to waitMillis. */
    public <T> T poll(String path, Class<T> type, long waitMillis) throws IOException, InterruptedException {
        String body = exchange("GET", path, null, null, waitMillis);
        return body == null ? null : Json.MAPPER.readValue(body, type);
    }

    public String getText(String path) throws IOException, InterruptedException {
        return exchange("GET", path, null, null, 0);
    }

    /** POSTs JSON; returns null on 204. waitMillis is how long the server may park the request. */
    public <T> T post(String path, Object body, Class<T> type, long waitMillis) throws IOException, InterruptedException {
        String target = waitMillis > 0 ? path + (path.contains("?") ? "&" : "?") + "wait=" + waitMillis : path;
        byte[] json = Json.MAPPER.writeValueAsBytes(body == null ? java.util.Map.of() : body);
        String answer = exchange("POST", target, "application/json", json, waitMillis);
        if (answer == null || type == Void.class) return null;
        return Json.MAPPER.readValue(answer, type);
    }

    public <T> T post(String path, Object body, Class<T> type) throws IOException, InterruptedException {
        return post(path, body, type, 0);
    }

    /** Writes a request body as it goes. */
    public interface BodyWriter {
        void write(OutputStream out) throws IOException;
    }

    /** POSTs a body written as it goes (chunked); returns the answer as text (null for 204). */
    public String postStreaming(String path, String contentType, BodyWriter writer) throws IOException, InterruptedException {
        return failover(() -> postStreamingOnce(path, contentType, writer));
    }

    private String postStreamingOnce(String path, String contentType, BodyWriter writer) throws IOException {
        HttpURLConnection connection = open("POST", path, 0);
        connection.setRequestProperty("Content-Type", contentType);
        connection.setDoOutput(true);
        connection.setChunkedStreamingMode(64 * 1024);
        try (OutputStream out = connection.getOutputStream()) {
            writer.write(out);
        } catch (ConnectException | UnknownHostException | NoRouteToHostException | javax.net.ssl.SSLException e) {
            throw unreachable(e);
        }
        return readBody(connection);
    }

    /** A GET whose answer streams into a file; returns the answer's headers (names in lower case). */
    public Map<String, String> download(String path, java.nio.file.Path target) throws IOException {
        return failover(() -> downloadOnce(path, target));
    }

    private Map<String, String> downloadOnce(String path, java.nio.file.Path target) throws IOException {
        HttpURLConnection connection = open("GET", path, 0);
        int status = status(connection);
        if (status >= 400) throw error(status, errorBody(connection));
        try (InputStream in = connection.getInputStream()) {
            java.nio.file.Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Map<String, String> headers = new java.util.HashMap<>();
        connection.getHeaderFields().forEach((name, values) -> {
            if (name != null && !values.isEmpty()) headers.put(name.toLowerCase(java.util.Locale.ROOT), values.get(0));
        });
        return headers;
    }

    /** POSTs JSON and streams the answer; the caller closes it. */
    public InputStream postForStream(String path, Object body) throws IOException, InterruptedException {
        return failover(() -> postForStreamOnce(path, body));
    }

    private InputStream postForStreamOnce(String path, Object body) throws IOException {
        HttpURLConnection connection = open("POST", path, 0);
        connection.setRequestProperty("Content-Type", "application/json");
        connection.setDoOutput(true);
        try (OutputStream out = connection.getOutputStream()) {
            out.write(Json.MAPPER.writeValueAsBytes(body));
        } catch (ConnectException | UnknownHostException | NoRouteToHostException | javax.net.ssl.SSLException e) {
            throw unreachable(e);
        }
        int status = status(connection);
        if (status >= 400) throw error(status, errorBody(connection));
        return connection.getInputStream();
    }

    private String exchange(String method, String path, String contentType, byte[] body, long waitMillis) throws IOException {
        return failover(() -> exchangeOnce(method, path, contentType, body, waitMillis));
    }

    private String exchangeOnce(String method, String path, String contentType, byte[] body, long waitMillis) throws IOException {
        HttpURLConnection connection = open(method, path, waitMillis);
        if (body != null) {
            connection.setRequestProperty("Content-Type", contentType);
            connection.setDoOutput(true);
            // Not in streaming mode: HttpURLConnection keeps the body of a 401 only for buffered requests.
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body);
            } catch (ConnectException | UnknownHostException | NoRouteToHostException | javax.net.ssl.SSLException e) {
                throw unreachable(e);
            }
        }
        return readBody(connection);
    }

    private HttpURLConnection open(String method, String path, long waitMillis) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) base().resolve(path).toURL().openConnection();
        connection.setRequestMethod(method);
        connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
        connection.setReadTimeout((int) Math.min(Integer.MAX_VALUE, READ_TIMEOUT_MILLIS + Math.max(0, waitMillis)));
        connection.setUseCaches(false);
        if (connection instanceof javax.net.ssl.HttpsURLConnection https && trusted != null) https.setSSLSocketFactory(trusted);
        if (token != null) connection.setRequestProperty(Api.TOKEN_HEADER, "Bearer " + token);
        return connection;
    }

    /** The body as text (null for 204 or empty), or the error the status stands for. */
    private String readBody(HttpURLConnection connection) throws IOException {
        int status = status(connection);
        if (status >= 400) throw error(status, errorBody(connection));
        try (InputStream in = connection.getInputStream()) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return status == 204 || text.isEmpty() ? null : text;
        }
    }

    private int status(HttpURLConnection connection) throws IOException {
        try {
            return connection.getResponseCode();
        } catch (ConnectException | UnknownHostException | NoRouteToHostException | javax.net.ssl.SSLException e) {
            throw unreachable(e);
        } catch (SocketTimeoutException e) {
            throw new IOException("the testbot server at " + base() + " did not answer in time", e);
        }
    }

    private static String errorBody(HttpURLConnection connection) throws IOException {
        try (InputStream in = connection.getErrorStream()) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private UnreachableException unreachable(IOException e) {
        if (e instanceof javax.net.ssl.SSLException) {
            String why = e.getMessage() != null && e.getMessage().contains("PKIX") ? "its certificate is not signed by an authority this machine trusts" : e.getMessage();
            return new UnreachableException("cannot talk TLS with the testbot server at " + base() + " (" + why
                    + "); a server with a certificate of its own needs its CA: --ca FILE or TESTBOT_CA");
        }
        return new UnreachableException("cannot reach the testbot server at " + base() + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
    }

    private static ApiException error(int status, String body) {
        String message = body.isBlank() ? "HTTP " + status + " without a message" : body;
        try {
            ErrorReply reply = Json.MAPPER.readValue(body, ErrorReply.class);
            if (reply != null && reply.error() != null) message = reply.error();
        } catch (IOException ignored) {
            // not JSON: use the text
        }
        if (status == 401) return new AuthException("the server rejected the token (" + message + "); pass it with --token, TESTBOT_TOKEN or --token-file");
        return new ApiException(status, message);
    }

    /** A 4xx/5xx answer. */
    public static class ApiException extends IOException {
        private final int status;

        public ApiException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** A 401: missing or wrong token. */
    public static final class AuthException extends ApiException {
        public AuthException(String message) {
            super(401, message);
        }
    }

    /** No connection could be made. */
    public static final class UnreachableException extends IOException {
        public UnreachableException(String message) {
            super(message);
        }
    }
}
