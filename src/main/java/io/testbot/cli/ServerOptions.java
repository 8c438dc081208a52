package io.testbot.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** --connect, --token and --token-file: how a client finds and authenticates with the server. */
final class ServerOptions {
    @Option(names = {"-c", "--connect"}, paramLabel = "HOST[:PORT]", description = "The server (default: TESTBOT_SERVER, then server in .testbot.yml).")
    String connect;

    @Option(names = "--token", description = "The server's token (default: TESTBOT_TOKEN, then token_file in .testbot.yml).")
    String token;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Read the token from this file.")
    Path tokenFile;

    @Option(names = "--ca", paramLabel = "FILE", description = "Trust the certificates in this PEM file (an https server's own CA) instead of the system's (default: TESTBOT_CA).")
    Path ca;

    /** Makes this process's clients trust --ca (or TESTBOT_CA), if given. */
    void trust() throws java.io.IOException {
        Path file = ca != null ? ca : System.getenv("TESTBOT_CA") == null || System.getenv("TESTBOT_CA").isBlank() ? null : Path.of(System.getenv("TESTBOT_CA"));
        if (file == null) return;
        if (!java.nio.file.Files.isRegularFile(file)) throw new IllegalArgumentException("--ca: no such file: " + file);
        io.testbot.protocol.ApiClient.trustCertificates(file);
    }

    /** The server from --connect, TESTBOT_SERVER or the project's config, or null when none is named. */
    String server(ProjectConfig file) {
        String server = connect != null ? connect : System.getenv("TESTBOT_SERVER");
        if (server == null || server.isBlank()) server = file.server();
        return server == null || server.isBlank() ? null : server.strip();
    }

    String token(ProjectConfig file, Path root) throws ProjectConfig.ConfigException {
        return Tokens.resolve(token, tokenFile, file.tokenFile(), root);
    }
}
