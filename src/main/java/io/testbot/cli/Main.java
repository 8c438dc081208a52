package io.testbot.cli;

import io.testbot.protocol.Version;
import io.testbot.requester.Requester;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** `testbot`: one thin picocli class per subcommand; the work lives in the component packages. */
@Command(name = "testbot", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Runs your test files in parallel on every CPU of every computer you can spare.",
        footer = {"", "Quick start: cd my-project && testbot rspec   (no server configured: local mode on this machine's cores)"})
public final class Main implements Runnable {
    private static final String PICOCLI_CONVERTER_EXCLUDES = "picocli.converters.excludes";
    private static final Set<String> REQUESTER_COMMANDS = Set.of("rspec", "test", "cucumber", "run", "junit");
    /** The subcommands, in the order help lists them. */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("rspec", RspecCommand::new);
        SUBCOMMANDS.put("test", TestCommand::new);
        SUBCOMMANDS.put("cucumber", CucumberCommand::new);
        SUBCOMMANDS.put("run", RunCommand::new);
        SUBCOMMANDS.put("junit", JunitCommand::new);
        SUBCOMMANDS.put("server", ServerCommand::new);
        SUBCOMMANDS.put("runner", RunnerCommand::new);
        SUBCOMMANDS.put("cancel", CancelCommand::new);
        SUBCOMMANDS.put("local", LocalCommand::new);
        SUBCOMMANDS.put("help", CommandLine.HelpCommand::new);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // picocli registers converters for java.sql and java.time types by reflection on its first command line,
        // initialising those packages (20 ms of the start, measured); no testbot option has such a type.
        if (System.getProperty(PICOCLI_CONVERTER_EXCLUDES) == null) System.setProperty(PICOCLI_CONVERTER_EXCLUDES, "java\\.sql\\..*,java\\.time\\..*");
        if (args.length > 0 && REQUESTER_COMMANDS.contains(args[0])) {
            // Requesters print test output; the components' own logging stays quiet unless asked for.
            if (System.getProperty(LogSetup.LEVEL_PROPERTY) == null) System.setProperty(LogSetup.LEVEL_PROPERTY, "WARN");
            Requester.warmUpInBackground(); // while picocli reads the command line
        }
        System.exit(commandLine(args).execute(args));
    }

    /**
     * The command line for these arguments. Picocli reads every option of a subcommand by reflection as it is added,
     * which for all of them cost about a tenth of a second of each start: a run names its subcommand first, so
     * only that one is added; the version alone needs none; anything else (help, a typo) gets them all.
     */
    static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new Main());
        Supplier<Object> named = args.length > 0 && !"help".equals(args[0]) ? SUBCOMMANDS.get(args[0]) : null;
        boolean versionOnly = args.length == 1 && ("--version".equals(args[0]) || "-V".equals(args[0]));
        if (named != null) {
            cli.addSubcommand(args[0], named.get());
        } else if (!versionOnly) {
            SUBCOMMANDS.forEach((name, command) -> cli.addSubcommand(name, command.get()));
        }
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("testbot: " + e.getMessage());
            return e instanceof ProjectConfig.ConfigException || e instanceof IllegalArgumentException ? 2 : 3;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"testbot " + Version.CURRENT};
        }
    }
}
