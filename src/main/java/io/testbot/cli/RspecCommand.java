package io.testbot.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

@Command(name = "rspec", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Runs the project's RSpec files (spec/**/*_spec.rb) in parallel and prints one summary.",
                "With a server (--connect, TESTBOT_SERVER or .testbot.yml) the project is sent to it and runs on its runners;",
                "without one, in local mode on this machine's cores.",
                "Exit status: 0 all passed, 1 failures or errors, 2 usage or configuration error, 3 infrastructure error."})
final class RspecCommand extends RequesterCommand {
    @Option(names = "--rspec-option", paramLabel = "OPTION", hidden = true, description = "The same as -O.")
    void rspecOption(List<String> values) {
        frameworkOptions.addAll(values);
    }

    @Override
    String adapter() {
        return "rspec";
    }
}
