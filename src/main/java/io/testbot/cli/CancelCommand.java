package io.testbot.cli;

import io.testbot.protocol.Api;
import io.testbot.protocol.ApiClient;
import io.testbot.protocol.BuildInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "cancel", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Cancels a build: its queued jobs are dropped and every process of its running jobs is killed on every runner.")
final class CancelCommand implements Callable<Integer> {
    @Parameters(paramLabel = "BUILD", description = "The build's number (as the requester and /status show it).")
    long buildId;

    @Mixin
    ServerOptions serverOptions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        ProjectConfig file = ProjectConfig.load(root);
        String server = serverOptions.server(file);
        if (server == null) throw new CommandLine.ParameterException(spec.commandLine(), "which server? pass --connect HOST[:PORT] or set TESTBOT_SERVER");
        serverOptions.trust();
        ApiClient client = new ApiClient(server, serverOptions.token(file, root));
        try {
            BuildInfo before = client.get(Api.path(Api.BUILD, buildId), BuildInfo.class);
            if (before.finished()) {
                System.out.println("build " + buildId + " had already finished: " + before.status());
                return 0;
            }
            BuildInfo after = client.post(Api.path(Api.BUILD_CANCEL, buildId), null, BuildInfo.class);
            System.out.println("build " + buildId + " " + after.status());
            return 0;
        } catch (ApiClient.ApiException e) {
            System.err.println("testbot: " + e.getMessage());
            return e.status() == 404 ? 2 : 3;
        } catch (ApiClient.UnreachableException e) {
            System.err.println("testbot: " + e.getMessage());
            return 3;
        }
    }
}
