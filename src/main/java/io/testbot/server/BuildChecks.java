package io.testbot.server;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.FileEntry;
import io.testbot.sync.BlobStore;
import io.testbot.sync.ManifestPaths;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a build must be before the scheduler takes it: a known framework, options and variables it accepts, entries
 * once each inside the project, a manifest with safe paths that lists them, within the server's size limit, whose
 * blobs are all here; numbers in range (see {@link NumberChecks}).
 */
final class BuildChecks {
    private final BlobStore blobs;
    private final long maxBuildBytes;

    BuildChecks(BlobStore blobs, long maxBuildBytes) {
        this.blobs = blobs;
        this.maxBuildBytes = maxBuildBytes;
    }

    /** The request as the scheduler takes it, or the first thing wrong with it (400; 409 for a blob gone; 413). */
    BuildRequest normalise(BuildRequest request, String address) {
        if (request.project() == null || request.project().isBlank()) throw new ApiErrors.BadRequest("project is required");
        NumberChecks.build(request);
        Adapter adapter = Adapters.find(request.adapter()).orElseThrow(() -> new ApiErrors.BadRequest("unknown adapter '" + request.adapter() + "'"));
        if (request.files() == null || request.files().isEmpty()) throw new ApiErrors.BadRequest("no files to run");
        if (request.options() != null && request.options().stream().anyMatch(o -> o == null || o.indexOf('\0') >= 0)) throw new ApiErrors.BadRequest("invalid option");
        String optionsProblem = adapter.optionsProblem(request.options() == null ? List.of() : request.options());
        if (optionsProblem != null) throw new ApiErrors.BadRequest(optionsProblem);
        Map<String, String> environment = request.environment() == null ? Map.of() : request.environment();
        String environmentProblem = environmentProblem(adapter, environment);
        if (environmentProblem != null) throw new ApiErrors.BadRequest(environmentProblem);
        List<String> patterns = request.patterns() == null ? List.of() : request.patterns();
        String patternsProblem = patternsProblem(patterns);
        if (patternsProblem != null) throw new ApiErrors.BadRequest(patternsProblem);
        Set<String> testFiles = new HashSet<>();
        Set<String> entries = new HashSet<>();
        for (String entry : request.files()) {
            if (entry == null) throw new ApiErrors.BadRequest("test file: null");
            if (!entries.add(entry)) throw new ApiErrors.BadRequest("test file listed twice: " + entry);
            String file;
            try {
                file = adapter.fileOf(entry);
            } catch (IllegalArgumentException e) {
                throw new ApiErrors.BadRequest("test file: " + e.getMessage());
            }
            String problem = ManifestPaths.problem(file);
            if (problem != null) throw new ApiErrors.BadRequest("test file: " + problem);
            testFiles.add(file);
        }
        if (request.manifest() != null) {
            if (request.manifest().size() > TestbotServer.MAX_MANIFEST_ENTRIES) throw new ApiErrors.BadRequest("manifest has more than " + TestbotServer.MAX_MANIFEST_ENTRIES + " files");
            ManifestPaths.validate(request.manifest());
            Set<String> paths = request.manifest().stream().map(FileEntry::path).collect(Collectors.toSet());
            List<String> absent = testFiles.stream().filter(f -> !paths.contains(f)).sorted().limit(3).toList();
            if (!absent.isEmpty()) throw new ApiErrors.BadRequest("test files not in the manifest: " + String.join(", ", absent));
            long bytes = 0;
            for (FileEntry entry : request.manifest()) bytes += Math.max(0, entry.size());
            if (bytes > maxBuildBytes) {
                throw new CappedInput.TooLarge("the project's files add up to " + bytes + " bytes, more than this server takes (" + maxBuildBytes
                        + "; its --max-build-size)");
            }
            long missing = request.manifest().stream().filter(e -> !blobs.has(e.sha256())).count();
            // A conflict, not a bad request: a file the requester was told is here may have been deleted since, as
            // no recent build used it; the requester uploads it and submits again.
            if (missing > 0) throw new ApiErrors.Conflict(missing + " file(s) of the manifest are not on the server; upload them and submit again");
        }
        // Sizes only order the build: those of files not in it are dropped.
        Map<String, Long> sizes = null;
        if (request.sizes() != null) {
            if (request.sizes().values().stream().anyMatch(size -> size == null || size < 0)) throw new ApiErrors.BadRequest("sizes must be numbers of bytes");
            sizes = request.sizes().entrySet().stream().filter(e -> testFiles.contains(e.getKey()))
                    .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
        }
        BuildRequest normalised = new BuildRequest(request.project(), request.adapter(), List.copyOf(request.files()),
                request.options() == null ? List.of() : request.options(), request.beforeRun(), request.manifest(),
                request.jobSize(), request.requestedBy() == null ? address : request.requestedBy(),
                request.failFast(), request.jobTimeout(), request.retryFailed(), sizes,
                Map.copyOf(environment), List.copyOf(patterns));
        return normalised;
    }

    /** Most globs a build may name, and most characters in one. */
    static final int MAX_PATTERNS = 100, MAX_PATTERN_CHARS = 1000;

    /** A build's patterns only match paths (a runner's boot-ahead check): sane globs of a sane number and size. */
    private static String patternsProblem(List<String> patterns) {
        if (patterns.size() > MAX_PATTERNS) return "a build takes at most " + MAX_PATTERNS + " patterns";
        for (String pattern : patterns) {
            if (pattern == null || pattern.isEmpty() || pattern.indexOf('\0') >= 0) return "invalid pattern";
            if (pattern.length() > MAX_PATTERN_CHARS) return "a pattern is longer than " + MAX_PATTERN_CHARS + " characters";
            try {
                Adapter.matchers(List.of(pattern));
            } catch (IllegalArgumentException e) { // PatternSyntaxException among them
                return "invalid pattern " + pattern + ": " + e.getMessage().lines().findFirst().orElse("");
            }
        }
        return null;
    }

    /** Most a build's variables may hold, names and values together. */
    static final int MAX_ENVIRONMENT_CHARS = 64 * 1024;

    /** A build carries only variables its framework reads from the requester, of a sane size. */
    private static String environmentProblem(Adapter adapter, Map<String, String> environment) {
        long chars = 0;
        for (Map.Entry<String, String> variable : environment.entrySet()) {
            if (variable.getKey() == null || variable.getValue() == null || variable.getValue().indexOf('\0') >= 0) return "invalid environment variable";
            if (!adapter.requesterVariables().contains(variable.getKey())) {
                return adapter.name() + " builds carry no variable " + variable.getKey() + " (only " + String.join(", ", new java.util.TreeSet<>(adapter.requesterVariables())) + ")";
            }
            chars += variable.getKey().length() + variable.getValue().length();
        }
        return chars > MAX_ENVIRONMENT_CHARS ? "the build's environment variables are longer than " + MAX_ENVIRONMENT_CHARS + " characters" : null;
    }
}
