package io.testbot.protocol;

import com.fasterxml.jackson.core.type.TypeReference;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** The client side of {@link Api}: JSON in and out, bearer token, errors as typed exceptions. */
public final class ApiClient {
    private final URI base;
    private final String token;
    private final HttpClient http;

    public ApiClient(String server, String token) {
        this.base = baseUri(server);
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
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

    public URI base() {
        return base;
    }

    public <T> T get(String path, Class<T> type) throws IOException, InterruptedException {
        return send(request(path).GET().build(), type, Duration.ofSeconds(60));
    }

    public <T> T get(String path, TypeReference<T> type) throws IOException, InterruptedException {
        String body = sendForString(request(path).GET().build(), Duration.ofSeconds(60));
        return body == null ? null : Json.MAPPER.readValue(body, type);
    }

    public String getText(String path) throws IOException, InterruptedException {
        return sendForString(request(path).GET().build(), Duration.ofSeconds(60));
    }

    /** POSTs JSON; returns null on 204. waitMillis is how long the server may park the request. */
    public <T> T post(String path, Object body, Class<T> type, long waitMillis) throws IOException, InterruptedException {
        String target = waitMillis > 0 ? path + (path.contains("?") ? "&" : "?") + "wait=" + waitMillis : path;
        HttpRequest.Builder builder = request(target).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body == null ? java.util.Map.of() : body)));
        return send(builder.build(), type, Duration.ofMillis(waitMillis).plusSeconds(60));
    }

    public <T> T post(String path, Object body, Class<T> type) throws IOException, InterruptedException {
        return post(path, body, type, 0);
    }

    public void putFile(String path, Path file) throws IOException, InterruptedException {
        HttpRequest request = request(path).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofFile(file)).timeout(Duration.ofMinutes(10)).build();
        check(execute(request, HttpResponse.BodyHandlers.ofString()));
    }

    public void putBytes(String path, byte[] content) throws IOException, InterruptedException {
        HttpRequest request = request(path).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).timeout(Duration.ofMinutes(10)).build();
        check(execute(request, HttpResponse.BodyHandlers.ofString()));
    }

    public InputStream download(String path) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = execute(request(path).GET().timeout(Duration.ofMinutes(10)).build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() >= 400) {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readAllBytes());
            }
            throw error(response.statusCode(), body);
        }
        return response.body();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path));
        if (token != null) builder.header(Api.TOKEN_HEADER, "Bearer " + token);
        return builder;
    }

    private <T> T send(HttpRequest request, Class<T> type, Duration timeout) throws IOException, InterruptedException {
        String body = sendForString(HttpRequest.newBuilder(request, (n, v) -> true).timeout(timeout).build(), timeout);
        if (body == null || type == Void.class) return null;
        return Json.MAPPER.readValue(body, type);
    }

    private String sendForString(HttpRequest request, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<String> response = execute(request, HttpResponse.BodyHandlers.ofString());
        check(response);
        return response.statusCode() == 204 || response.body().isEmpty() ? null : response.body();
    }

    private <T> HttpResponse<T> execute(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
        try {
            return http.send(request, handler);
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new UnreachableException("cannot reach the testbot server at " + base + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
        }
    }

    private static void check(HttpResponse<String> response) throws ApiException {
        if (response.statusCode() >= 400) throw error(response.statusCode(), response.body());
    }

    private static ApiException error(int status, String body) {
        String message = body;
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
