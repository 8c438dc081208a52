package io.testbot.cli;

import io.testbot.server.Access;
import io.testbot.store.Stores;
import io.testbot.store.Store;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;

/** `testbot server token add|list|revoke`: named tokens in the server's database, while it runs or not. */
@Command(name = "token", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Manages named tokens, kept hashed in the server's database (it need not be stopped).",
                "A runner token runs jobs; a user token sends builds and cancels its own; an admin token does anything. The server's own token (--token) is an admin's."},
        subcommands = {TokenCommand.Add.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** --data-dir and --store, as the server takes them. */
    static final class DataDir {
        @Option(names = "--data-dir", paramLabel = "DIR", description = "The server's data dir (default: ~/.testbot/server).")
        Path dataDir;

        @Option(names = "--store", paramLabel = "URL", description = "The server's store, if it is not the data dir's SQLite file: as testbot server takes it (default: TESTBOT_STORE).")
        String store;

        Store open() throws java.io.IOException {
            String url = ServerCommand.storeUrl(store);
            if (url != null) return Stores.open(url);
            Path data = (dataDir != null ? dataDir : Paths.home().resolve("server")).toAbsolutePath();
            io.testbot.sync.PrivateFiles.directory(data);
            return Stores.open(Stores.defaultUrl(data));
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Makes a token and prints it, alone, on standard output: it is not shown again.")
    static final class Add implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "Who or what holds it (alice, ci-runners); builds sent with it record it.")
        String name;

        @Option(names = "--role", paramLabel = "ROLE", defaultValue = "user", description = "user, runner or admin (default: ${DEFAULT-VALUE}).")
        String role;

        @CommandLine.Mixin
        DataDir data;

        @Override
        public Integer call() throws Exception {
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")) throw new IllegalArgumentException("a token's name is letters, digits and . _ @ - (at most 64): '" + name + "'");
            Access.Role parsed = Access.Role.of(role);
            String token = Access.newToken();
            try (Store store = data.open()) {
                if (!store.addToken(name, parsed.label(), Access.sha256(token), Instant.now())) {
                    System.err.println("testbot: there is a token named " + name + " already; revoke it first");
                    return 2;
                }
            }
            System.out.println(token);
            System.err.println("testbot: " + parsed.label() + " token " + name + " added; this is the only time it is shown");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the named tokens: name, role, when made (never the tokens).")
    static final class ListTokens implements Callable<Integer> {
        @CommandLine.Mixin
        DataDir data;

        @Override
        public Integer call() throws Exception {
            try (Store store = data.open()) {
                for (Store.TokenRow row : store.tokens()) System.out.printf("%-24s %-7s %s%n", row.name(), row.role(), row.createdAt());
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Deletes a named token: requests with it are refused at once.")
    static final class Revoke implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @CommandLine.Mixin
        DataDir data;

        @Override
        public Integer call() throws Exception {
            try (Store store = data.open()) {
                if (!store.revokeToken(name)) {
                    System.err.println("testbot: no token named " + name);
                    return 1;
                }
            }
            System.err.println("testbot: token " + name + " revoked");
            return 0;
        }
    }
}
