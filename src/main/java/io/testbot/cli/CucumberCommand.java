package io.testbot.cli;

import picocli.CommandLine.Command;

@Command(name = "cucumber", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Runs the project's Cucumber features (features/**/*.feature) in parallel and prints one summary.",
                "With a server (--connect, TESTBOT_SERVER or .testbot.yml) the project runs on its runners; without one, in local mode.",
                "Exit status: 0 all passed, 1 failures or errors, 2 usage or configuration error, 3 infrastructure error."})
final class CucumberCommand extends RequesterCommand {
    @Override
    String adapter() {
        return "cucumber";
    }
}
