package io.testbot.cli;

import picocli.CommandLine.Command;

@Command(name = "test", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Runs the project's Test::Unit or minitest files (test/**/*_test.rb, test/**/test_*.rb) in parallel,",
                "each job's files loaded into one `ruby -Ilib -Itest` process (as `rake test` loads them), and prints one summary.",
                "With a server (--connect, TESTBOT_SERVER or .testbot.yml) the project runs on its runners; without one, in local mode.",
                "Exit status: 0 all passed, 1 failures or errors, 2 usage or configuration error, 3 infrastructure error."})
final class TestCommand extends RequesterCommand {
    @Override
    String adapter() {
        return "test";
    }
}
