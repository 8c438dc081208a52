package io.testbot.adapters;

import org.w3c.dom.Element;
import org.w3c.dom.Node;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What Surefire, configured by a project's effective POM (its parents' settings included), does with its tests:
 * which classes it runs (includes, excludes), the JVM options of the forked JVM (argLine, systemPropertyVariables)
 * and the tags it selects (groups, excludedGroups). {@code testbot junit} does the same with them.
 *
 * @param includes       Ant-style patterns of test sources or classes, relative to the test classes
 * @param jvmOptions     options of the tests' JVM, argLine's words and then the system properties
 * @param reuseForks     false when Surefire starts a JVM for each test class (reuseForks false): no class sees
 *                       another's static state
 */
public record SurefireSettings(List<String> includes, List<String> excludes, List<String> jvmOptions, String groups, String excludedGroups,
                               boolean reuseForks) {
    /** Where {@code testbot junit} keeps the effective POM, written with the test classpath and as fresh as it. */
    public static final String EFFECTIVE_POM = "target/testbot-effective-pom.xml";
    static final List<String> DEFAULT_INCLUDES = List.of("**/Test*.java", "**/*Test.java", "**/*Tests.java", "**/*TestCase.java");
    static final List<String> DEFAULT_EXCLUDES = List.of("**/*$*");
    /** Surefire's defaults: what a project that configures nothing gets. */
    public static final SurefireSettings DEFAULTS = new SurefireSettings(DEFAULT_INCLUDES, DEFAULT_EXCLUDES, List.of(), null, null, true);
    /** A late-bound property of another plugin (jacoco's @{argLine}): empty where that plugin does not run. */
    private static final Pattern LATE_PROPERTY = Pattern.compile("@\\{[^}]*}");

    /** The settings in the project's effective POM, or Surefire's defaults where there is none. */
    public static SurefireSettings of(Path root) throws IOException {
        Path pom = root.resolve(EFFECTIVE_POM);
        return Files.isRegularFile(pom) ? read(pom) : DEFAULTS;
    }

    /** Reads the first project's maven-surefire-plugin configuration of an effective POM (help:effective-pom's output). */
    static SurefireSettings read(Path effectivePom) throws IOException {
        Element project = first(XmlFiles.parse(effectivePom, "the effective POM").getDocumentElement(), "project");
        if (project == null) return DEFAULTS;
        Element configuration = null;
        Element build = child(project, "build");
        Element plugins = build == null ? null : child(build, "plugins");
        if (plugins != null) {
            for (Element plugin : children(plugins, "plugin")) {
                if ("maven-surefire-plugin".equals(text(child(plugin, "artifactId")))) configuration = child(plugin, "configuration");
            }
        }
        List<String> includes = texts(child(configuration, "includes"), "include");
        List<String> excludes = texts(child(configuration, "excludes"), "exclude");
        List<String> jvm = new ArrayList<>();
        // Surefire's argLine defaults to the project's argLine property (where commons-parent and profiles put it).
        String argLine = text(child(configuration, "argLine"));
        if (argLine == null) argLine = text(child(child(project, "properties"), "argLine"));
        if (argLine != null) jvm.addAll(ShellWords.split(LATE_PROPERTY.matcher(argLine).replaceAll("")));
        Element systemProperties = child(configuration, "systemPropertyVariables");
        if (systemProperties != null) {
            for (Node n = systemProperties.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element property) jvm.add("-D" + property.getTagName() + "=" + property.getTextContent().strip());
            }
        }
        // reuseForks, like argLine, defaults to the project's property of that name.
        String reuseForks = text(child(configuration, "reuseForks"));
        if (reuseForks == null) reuseForks = text(child(child(project, "properties"), "reuseForks"));
        return new SurefireSettings(includes.isEmpty() ? DEFAULT_INCLUDES : includes, excludes.isEmpty() ? DEFAULT_EXCLUDES : excludes,
                List.copyOf(jvm), blankToNull(text(child(configuration, "groups"))), blankToNull(text(child(configuration, "excludedGroups"))),
                !"false".equalsIgnoreCase(reuseForks == null ? "" : reuseForks.strip()));
    }

    /**
     * Whether Surefire runs this compiled class, named by its path relative to the test classes
     * ("com/x/CalcTest.class"): an include matches and no exclude does. A pattern names a source file or a class
     * file ("**&#47;*Test.java" matches CalcTest.class too); "**&#47;" also matches no directory, as in Ant; a
     * "%regex[...]" pattern matches the class's path, as Surefire's do.
     */
    public boolean runs(String classFile) {
        Path relative = Path.of(classFile);
        return matchesAny(includes, relative) && !matchesAny(excludes, relative);
    }

    /** The launcher's options for Surefire's groups and excludedGroups (tag expressions both). */
    public List<String> tagOptions() {
        List<String> options = new ArrayList<>();
        if (groups != null) options.add("--include-tag=" + groups);
        if (excludedGroups != null) options.add("--exclude-tag=" + excludedGroups);
        return options;
    }

    private static boolean matchesAny(List<String> patterns, Path relative) {
        for (String pattern : patterns) {
            String p = pattern.strip();
            if (p.isEmpty()) continue;
            if (p.startsWith("%regex[") && p.endsWith("]")) {
                // Surefire matches its regular expressions against the class's path, "com/x/CalcTest.class".
                String path = relative.toString().replace('\\', '/');
                Pattern regex = Pattern.compile(p.substring("%regex[".length(), p.length() - 1));
                if (regex.matcher(path).matches() || regex.matcher(path.replaceFirst("\\.class$", ".java")).matches()) return true;
                continue;
            }
            String asClass = p.replaceFirst("\\.java$", ".class");
            for (String variant : List.of(asClass, asClass.replace("**/", ""))) {
                PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + variant);
                if (matcher.matches(relative)) return true;
            }
        }
        return false;
    }

    /** The element itself when it has this name, else its first child of that name (effective-pom wraps several projects in "projects"). */
    private static Element first(Element root, String name) {
        return root.getTagName().equals(name) ? root : child(root, name);
    }

    /** The parent's first child of that name; null when there is none, or no parent. */
    private static Element child(Element parent, String name) {
        if (parent == null) return null;
        List<Element> all = children(parent, name);
        return all.isEmpty() ? null : all.get(0);
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && (e.getTagName().equals(name) || name.equals(e.getLocalName()))) found.add(e);
        }
        return found;
    }

    private static List<String> texts(Element parent, String name) {
        if (parent == null) return List.of();
        return children(parent, name).stream().map(e -> e.getTextContent().strip()).filter(t -> !t.isEmpty()).toList();
    }

    private static String text(Element element) {
        return element == null ? null : element.getTextContent().strip();
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }
}
