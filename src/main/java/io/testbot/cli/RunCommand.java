package io.testbot.cli;

import io.testbot.adapters.CommandAdapter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Runs any command that takes a list of files, in parallel: each job runs the command on its files,",
                "and passes or fails by the command's exit status.",
                "Example: testbot run --pattern 'checks/**/*.sh' --command 'bash -e {files}'",
                "Exit status: 0 all passed, 1 a job failed, 2 usage or configuration error, 3 infrastructure error."})
final class RunCommand extends RequesterCommand {
    @Option(names = "--command", paramLabel = "CMD", description = "The shell command; " + CommandAdapter.FILES + " becomes the job's files, quoted (appended when absent). Default: run_command in .testbot.yml.")
    String command;

    @Override
    String adapter() {
        return "run";
    }

    /** The command template travels as the build's first option (the run adapter takes no others). */
    @Override
    List<String> extraOptions(ProjectConfig file, Path root) {
        if (!frameworkOptions.isEmpty() || !file.optionsFor(adapter()).isEmpty()) throw new IllegalArgumentException("run takes no -O options; put them in --command");
        String template = command != null ? command : file.runCommand();
        if (template == null || template.isBlank()) throw new IllegalArgumentException("run needs --command 'CMD {files}' (or run_command in .testbot.yml)");
        return List.of(template);
    }

    /** Without a pattern, every file of the directories given. */
    @Override
    List<String> defaultPatterns() {
        if (paths.isEmpty()) throw new IllegalArgumentException("run needs --pattern GLOB (or run_pattern in .testbot.yml), or the files as arguments");
        return List.of("**/*");
    }
}
