package io.testbot.cli;

import io.testbot.protocol.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.Set;

/** `testbot`: one thin picocli class per subcommand; the work lives in the component packages. */
@Command(name = "testbot", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Runs your test files in parallel on every CPU of every computer you can spare.",
        subcommands = {RspecCommand.class, TestCommand.class, CucumberCommand.class, RunCommand.class, JunitCommand.class, ServerCommand.class, RunnerCommand.class, CancelCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Quick start: cd my-project && testbot rspec   (no server configured: local mode on this machine's cores)"})
public final class Main implements Runnable {
    private static final Set<String> REQUESTER_COMMANDS = Set.of("rspec", "test", "cucumber", "run", "junit");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Requesters print test output; the components' own logging stays quiet unless asked for.
        if (args.length > 0 && REQUESTER_COMMANDS.contains(args[0]) && System.getProperty("testbot.log.level") == null) {
            System.setProperty("testbot.log.level", "WARN");
        }
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
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
