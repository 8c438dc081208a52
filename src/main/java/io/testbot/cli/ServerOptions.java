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
