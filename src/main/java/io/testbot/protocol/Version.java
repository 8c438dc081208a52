package io.testbot.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version this build of testbot reports (the Maven project version). */
public final class Version {
    private Version() {}

    public static final String CURRENT = load();

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
