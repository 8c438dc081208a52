package io.testbot.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves a client's token: --token, then --token-file, then TESTBOT_TOKEN, then the project's token_file. */
final class Tokens {
    private Tokens() {}

    static String resolve(String flag, Path flagFile, String configFile, Path projectRoot) throws ProjectConfig.ConfigException {
        if (flag != null && !flag.isBlank()) return flag.strip();
        if (flagFile != null) return read(flagFile);
        String env = System.getenv("TESTBOT_TOKEN");
        if (env != null && !env.isBlank()) return env.strip();
        if (configFile != null) return read(projectRoot.resolve(expandHome(configFile)));
        return null;
    }

    static Path expandHome(String path) {
        if (path.equals("~")) return Paths.userHome();
        if (path.startsWith("~/")) return Paths.userHome().resolve(path.substring(2));
        return Path.of(path);
    }

    private static String read(Path file) throws ProjectConfig.ConfigException {
        try {
            String token = Files.readString(file).strip();
            if (token.isEmpty()) throw new ProjectConfig.ConfigException("token file " + file + " is empty");
            return token;
        } catch (IOException e) {
            throw new ProjectConfig.ConfigException("cannot read token file " + file + ": " + e.getMessage());
        }
    }
}
