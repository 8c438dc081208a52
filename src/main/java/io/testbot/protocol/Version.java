package io.testbot.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version this build of testbot reports (the Maven project version). */
public final class Version {
    private Version() {}

    public static final String CURRENT = load();

    /** The jar this process runs from; empty when it runs from classes (a test, an IDE). */
    public static java.util.Optional<java.nio.file.Path> jar() {
        try {
            java.nio.file.Path location = java.nio.file.Path.of(Version.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return location.toString().endsWith(".jar") && java.nio.file.Files.isRegularFile(location) ? java.util.Optional.of(location) : java.util.Optional.empty();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/testbot-version.properties")) {
            if (in == null) return "dev";
            Properties props = new Properties();
            props.load(in);
            return props.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
