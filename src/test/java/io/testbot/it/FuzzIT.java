package io.testbot.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random and malformed requests at every route, a few thousand of them from a seed it prints (-Dfuzz.seed=N runs
 * one again): none gets a 5xx or a stack trace, /health keeps answering between them, and afterwards the server
 * still runs a build as if nothing had happened.
 */
class FuzzIT extends Cluster {
    static final int REQUESTS = Integer.getInteger("fuzz.requests", 3000);
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    record Route(String method, String path, String body) {}

    static final String SHA = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    static final List<Route> ROUTES = List.of(
            new Route("GET", "/version", null), new Route("GET", "/status", null),
            new Route("POST", "/blobs/missing", "{\"sha256\":[\"" + SHA + "\"]}"),
            new Route("PUT", "/blobs/{sha}", "raw"), new Route("GET", "/blobs/{sha}", null),
            new Route("POST", "/blobs/fetch", "{\"sha256\":[\"" + SHA + "\"]}"), new Route("POST", "/blobs/upload", "raw"),
            new Route("POST", "/builds", "{\"project\":\"p\",\"adapter\":\"rspec\",\"files\":[\"spec/a_spec.rb\"],\"options\":[],\"jobSize\":0,"
                    + "\"failFast\":false,\"jobTimeout\":0,\"retryFailed\":0,\"sizes\":{\"spec/a_spec.rb\":10},\"environment\":{}}"),
            new Route("GET", "/builds", null), new Route("GET", "/builds/{id}", null), new Route("GET", "/builds/{id}/events", null),
            new Route("GET", "/builds/{id}/manifest", null), new Route("POST", "/builds/{id}/cancel", ""),
            new Route("POST", "/estimate", "{\"project\":\"p\",\"adapter\":\"rspec\",\"files\":[\"spec/a_spec.rb\"]}"),
            new Route("POST", "/runners", "{\"hostname\":\"h\",\"version\":\"" + System.getProperty("testbot.version") + "\",\"instances\":2,\"workDir\":\"/w\"}"),
            new Route("GET", "/runners", null),
            new Route("POST", "/runners/{runner}/heartbeat", "{\"running\":[1,2]}"),
            new Route("POST", "/runners/{runner}/jobs/next", ""), new Route("POST", "/runners/{runner}/leave", ""),
            new Route("POST", "/jobs/{id}/result", "{\"runnerId\":\"{runner}\",\"instance\":1,\"exitCode\":0,\"errored\":false,\"output\":\"\",\"seconds\":1,"
                    + "\"setupSeconds\":0,\"command\":\"c\",\"files\":[{\"path\":\"spec/a_spec.rb\",\"examples\":1,\"failures\":0,\"pending\":0,\"seconds\":0.1,\"failed\":[]}]}"),
            new Route("GET", "/runners/available_instances", null), new Route("GET", "/runners/total_instances", null),
            new Route("GET", "/runners/outdated", null));

    @Test
    void randomAndMalformedRequestsGetCleanAnswersAndTheServerKeepsWorking() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("FuzzIT seed " + seed + " (-Dfuzz.seed=" + seed + " to run it again)");
        Random random = new Random(seed);
        Proc server = startServer();
        long baselineKb = heapUsedAfterGcKb(server.process.pid());
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String runner = JSON.readTree(send(client, "POST", "/runners", ROUTES.get(14).body(), token).body()).get("runnerId").asText();
        List<String> problems = new ArrayList<>();
        long slowestHealthMillis = 0;
        java.util.Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        for (int i = 0; i < REQUESTS; i++) {
            Route route = ROUTES.get(random.nextInt(ROUTES.size()));
            String path = route.path().replace("{sha}", pick(random, SHA, "0".repeat(64), "zz", "../../etc/passwd", "%2e%2e%2f", SHA.toUpperCase()))
                    .replace("{id}", pick(random, "1", "0", "-1", "99999999999999999999", "abc", "1e3", "%00", "2"))
                    .replace("{runner}", pick(random, runner, runner, "nobody", "..", "%20", "x".repeat(300)));
            path += pick(random, "", "", "?wait=0", "?wait=-5", "?wait=abc", "?after=-1&wait=0", "?limit=0", "?limit=99999999999", "?wait=1e9",
                    "?after=9223372036854775808&wait=0", "?token=" + token);
            if (path.contains("/events") || path.contains("/jobs/next") || path.contains("/heartbeat")) {
                path = path.replaceAll("wait=[^&]*", "wait=0");
                if (!path.contains("wait=")) path += (path.contains("?") ? "&" : "?") + "wait=0";
            }
            String body = route.body() == null ? null : mutate(random, route.body().replace("{runner}", runner));
            String bearer = random.nextInt(10) == 0 ? pick(random, null, "wrong", "", "Bearer") : token;
            HttpResponse<String> response;
            String method = random.nextInt(20) == 0 ? pick(random, "DELETE", "PATCH", "GET", "POST") : route.method();
            try {
                response = send(client, method, path, body, bearer);
            } catch (IllegalArgumentException invalidUri) {
                continue; // a path the client itself refuses to send
            } catch (java.io.IOException closed) {
                // Jetty refuses a request line it cannot parse (a %00 in the path) with a 400 and closes at once; Java's
                // client, still sending the body, loses that answer (curl gets it). Without a body it must come.
                client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                try {
                    response = send(client, method, path, null, bearer);
                } catch (java.io.IOException again) {
                    problems.add("no answer (" + again.getMessage() + ") for " + method + " " + path);
                    continue;
                }
            }
            statuses.merge(response.statusCode(), 1, Integer::sum);
            String what = route.method() + " " + path + " " + (body == null ? "" : body.substring(0, Math.min(200, body.length())));
            if (response.statusCode() >= 500) problems.add(response.statusCode() + " for " + what + ": " + response.body());
            if (response.body().contains("\tat ") || response.body().matches("(?s).*\\bat (java|io\\.testbot|io\\.javalin|org\\.eclipse)\\..*")) {
                problems.add("a stack trace for " + what);
            }
            if (i % 50 == 0) {
                long started = System.nanoTime();
                assertThat(send(client, "GET", "/health", null, null).body()).as("/health after %d requests", i).isEqualTo("ok");
                slowestHealthMillis = Math.max(slowestHealthMillis, (System.nanoTime() - started) / 1_000_000);
            }
        }
        System.out.println("FuzzIT: " + REQUESTS + " requests, answered " + statuses + "; slowest /health between them " + slowestHealthMillis + " ms");
        assertThat(problems).as("seed %d", seed).isEmpty();
        // What the requests left behind (a few hundred runners and queued builds they made) is small: the large
        // bodies were garbage once answered.
        long afterKb = heapUsedAfterGcKb(server.process.pid());
        System.out.println("FuzzIT: server heap after a full GC " + baselineKb + " KB before, " + afterKb + " KB after");
        assertThat(afterKb).isLessThan(baselineKb + 32 * 1024);
        // The requests reached the routes' work, not only the token check.
        assertThat(statuses.entrySet().stream().filter(e -> e.getKey() < 300).mapToInt(java.util.Map.Entry::getValue).sum()).isGreaterThan(REQUESTS / 10);
        assertThat(statuses.getOrDefault(400, 0)).isGreaterThan(REQUESTS / 10);

        // Nothing lost: a build runs through the same server.
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 2);
        startRunner("r1", 2);
        Result result = requestRemote(project);
        assertThat(result.exit()).as(result.all()).isZero();
        assertThat(result.out()).contains("2 examples, 0 failures");
    }

    /** The server's heap in use right after a full collection, from jcmd (the JDK's, beside this java). */
    static long heapUsedAfterGcKb(long pid) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        run(jcmd.toString(), String.valueOf(pid), "GC.run");
        String info = run(jcmd.toString(), String.valueOf(pid), "GC.heap_info");
        java.util.regex.Matcher used = java.util.regex.Pattern.compile("generation\\s+total \\d+K, used (\\d+)K").matcher(info);
        long kb = 0;
        while (used.find()) kb += Long.parseLong(used.group(1));
        assertThat(kb).as(info).isPositive();
        return kb;
    }

    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(output).isZero();
        return output;
    }

    private HttpResponse<String> send(HttpClient client, String method, String path, String body, String bearer) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://" + address() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) builder.header("Authorization", bearer.isEmpty() || bearer.equals("Bearer") ? bearer : "Bearer " + bearer);
        return client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SafeVarargs
    static <T> T pick(Random random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    /** The valid body as it is, or with a field changed, dropped or added, or something else altogether. */
    static String mutate(Random random, String valid) throws Exception {
        switch (random.nextInt(10)) {
            case 0:
                return "";
            case 1: {
                byte[] bytes = new byte[random.nextInt(2000)];
                random.nextBytes(bytes);
                return new String(bytes, StandardCharsets.ISO_8859_1);
            }
            case 2:
                return valid.substring(0, random.nextInt(valid.length() + 1)); // cut short
            case 3:
                return "[".repeat(20_000 + random.nextInt(80_000)); // deep nesting
            case 4:
                return valid;
            default:
        }
        if (valid.isEmpty() || valid.equals("raw")) return randomValue(random, 3).toString();
        JsonNode tree = JSON.readTree(valid);
        for (int changes = 1 + random.nextInt(3); changes > 0; changes--) change(random, tree);
        return tree.toString();
    }

    private static void change(Random random, JsonNode node) {
        if (node instanceof ObjectNode object && object.size() > 0) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) names.add(it.next());
            String name = names.get(random.nextInt(names.size()));
            JsonNode child = object.get(name);
            int what = random.nextInt(6);
            if (what == 0) object.remove(name);
            else if (what == 1) object.set("unknown" + random.nextInt(3), randomValue(random, 2));
            else if ((child.isObject() || child.isArray()) && what < 4) change(random, child);
            else object.set(name, randomValue(random, 2));
        } else if (node instanceof ArrayNode array && array.size() > 0) {
            int index = random.nextInt(array.size());
            if (random.nextBoolean() && (array.get(index).isContainerNode())) change(random, array.get(index));
            else array.set(index, randomValue(random, 2));
        }
    }

    static JsonNode randomValue(Random random, int depth) {
        switch (random.nextInt(depth > 0 ? 14 : 12)) {
            case 0: return NODES.nullNode();
            case 1: return NODES.numberNode(-1);
            case 2: return NODES.numberNode(Long.MAX_VALUE);
            case 3: return NODES.numberNode(Integer.MIN_VALUE);
            case 4: return NODES.numberNode(new java.math.BigDecimal("1e400"));
            case 5: return NODES.numberNode(Double.NaN);
            case 6: return NODES.textNode("");
            case 7: return NODES.textNode("x".repeat(random.nextInt(100_000)));
            case 8: return NODES.textNode("../../../etc/passwd");
            case 9: return NODES.textNode("nul\0inside <script>alert(1)</script>");
            case 10: return NODES.booleanNode(random.nextBoolean());
            case 11: return NODES.numberNode(random.nextDouble() * 1e6);
            case 12: {
                ArrayNode array = NODES.arrayNode();
                for (int i = random.nextInt(5); i > 0; i--) array.add(randomValue(random, depth - 1));
                return array;
            }
            default: {
                ObjectNode object = NODES.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) object.set("k" + i, randomValue(random, depth - 1));
                return object;
            }
        }
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
