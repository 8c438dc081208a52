package io.testbot.adapters;

import io.testbot.protocol.FileResult;
import io.testbot.protocol.Version;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * JUnit (Jupiter, and JUnit 4 through the vintage engine): a job's test classes run in a forked JVM with the JUnit
 * Platform console launcher, which testbot ships in its jar. Entries are compiled test classes,
 * "target/test-classes/com/x/CalcTest.class", or one method of one, "...CalcTest.class#adds". The build's options
 * carry the classpath (--class-path) and any other launcher options; results come from the launcher's XML reports.
 */
public final class JUnitAdapter implements Adapter {
    static final String LAUNCHER = "junit-platform-console-standalone.jar";
    private static final String CLASSES = "test-classes/";
    /** One method, with its parameter types where it has any: "add(int, int)". */
    private static final String METHOD = "[A-Za-z_$][A-Za-z0-9_$]*(?:\\([A-Za-z0-9_$.\\[\\], ]*\\))?";
    /** A class file, or methods of it joined by "+": "...CalcTest.class#adds()+add(int, int)". */
    private static final Pattern ENTRY = Pattern.compile("([^#]+\\.class)(#" + METHOD + "(?:\\+" + METHOD + ")*)?");
    /** A test's method as the launcher's discover lists it. */
    private static final Pattern METHOD_SOURCE = Pattern.compile("MethodSource \\[className = '([^']+)', methodName = '([^']+)', methodParameterTypes = '([^']*)'");
    /** The segment of a JUnit unique id that names a test's method: Jupiter's with its parameter types, JUnit 4's with its class. */
    private static final Pattern METHOD_ID = Pattern.compile("\\[(method|test-template|test):([^\\]]+)]");

    @Override
    public String name() {
        return "junit";
    }

    @Override
    public List<String> defaultPatterns() {
        return List.of("target/test-classes/**/*Test.class", "target/test-classes/**/Test*.class", "target/test-classes/**/*Tests.class",
                "target/test-classes/**/*TestCase.class");
    }

    /** Nested and anonymous classes run with their outer class, as Surefire runs them. */
    @Override
    public boolean isTestFile(String path) {
        return path.endsWith(".class") && !path.substring(path.lastIndexOf('/') + 1).contains("$");
    }

    @Override
    public String fileOf(String entry) {
        Matcher m = ENTRY.matcher(entry);
        if (!m.matches()) throw new IllegalArgumentException("not a test class file, or methods of one: " + entry);
        return m.group(1);
    }

    @Override
    public String optionsProblem(List<String> options) {
        return options.contains("--class-path") || options.stream().anyMatch(o -> o.startsWith("--class-path=")) ? null
                : "a junit build needs --class-path among its options";
    }

    /** An option for the tests' JVM rather than the launcher, as javac's -J: "-J--add-opens=java.base/java.lang=ALL-UNNAMED". */
    static final String JVM_OPTION = "-J";

    /** The JVM, its options (from the -J options) and the launcher: the launcher's arguments follow. */
    private static List<String> launch(Path tools, List<String> options) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBinary()));
        options.stream().filter(o -> o.startsWith(JVM_OPTION)).forEach(o -> command.add(o.substring(JVM_OPTION.length())));
        command.addAll(List.of("-jar", launcher(tools).toString()));
        return command;
    }

    /**
     * Surefire's choice of test classes, from the project's effective POM (see {@link SurefireSettings}): its
     * includes and excludes, where testbot was given no pattern of its own.
     */
    @Override
    public List<String> filesToRun(Path root, List<String> patterns, List<String> paths, List<String> options, Path tools) throws IOException {
        if (!choosesFiles(root, patterns, options)) return null;
        SurefireSettings surefire = SurefireSettings.of(root);
        Path classes = root.resolve("target/test-classes");
        List<Path> starts = paths.isEmpty() ? List.of(classes) : paths.stream().map(p -> root.resolve(p).normalize()).toList();
        java.util.TreeSet<String> files = new java.util.TreeSet<>();
        for (Path start : starts) {
            if (!Files.exists(start)) continue;
            try (Stream<Path> walk = Files.walk(start)) {
                walk.filter(Files::isRegularFile).filter(f -> f.startsWith(classes) && f.toString().endsWith(".class"))
                        .filter(f -> surefire.runs(classes.relativize(f).toString()))
                        .forEach(f -> files.add(root.relativize(f).toString()));
            }
        }
        return List.copyOf(files);
    }

    /** Surefire's settings choose the classes wherever testbot's own pattern does not. */
    @Override
    public boolean choosesFiles(Path root, List<String> patterns, List<String> options) {
        return patterns.equals(defaultPatterns());
    }

    @Override
    public List<String> command(List<String> files, List<String> options, Path resultFile) throws IOException {
        List<String> command = launch(resultFile.getParent().resolve("../tools").normalize(), options);
        command.addAll(execute(files, options, resultFile));
        return command;
    }

    /** The launcher's arguments that run these entries with these options (the -J ones are the JVM's) and write XML reports. */
    private static List<String> execute(List<String> files, List<String> options, Path resultFile) {
        List<String> arguments = new ArrayList<>(List.of("execute", "--disable-banner", "--disable-ansi-colors", "--details=tree",
                "--reports-dir", reportsDir(resultFile).toString()));
        for (String entry : files) {
            int hash = entry.indexOf('#');
            if (hash < 0) {
                arguments.add("--select-class=" + className(entry));
                continue;
            }
            String cls = className(entry.substring(0, hash));
            for (String method : entry.substring(hash + 1).split("\\+")) arguments.add("--select-method=" + cls + "#" + method);
        }
        options.stream().filter(o -> !o.startsWith(JVM_OPTION)).forEach(arguments::add);
        return arguments;
    }

    static final String WORKER_CLASS = "io.testbot.adapters.junitworker.TestbotJUnitWorker";
    /**
     * Among a build's options where the project's Surefire does not reuse its forks: each job then starts a JVM of its
     * own, as without a worker, and holds one test class (see JunitCommand). A system property, harmless to the tests.
     */
    public static final String FRESH_JVM_PER_CLASS = JVM_OPTION + "-Dtestbot.reuseForks=false";
    private static final List<String> CLASSPATH_OPTIONS = List.of("--class-path", "--classpath", "-cp");

    /** Each JVM compiles the test and project code it runs: four on two cores compile it four times, two at a time. */
    @Override
    public boolean processesBoundToCores() {
        return true;
    }

    /**
     * One JVM per instance and build, with the build's JVM options and its classpath on the JVM's own, runs job after
     * job through the launcher in process (see TestbotJUnitWorker), as one Surefire fork does. Null without a classpath
     * (a spare: before any build), and where the project's Surefire starts a JVM per class ({@link #FRESH_JVM_PER_CLASS}).
     */
    @Override
    public List<String> workerCommand(Path tools, List<String> options) throws IOException {
        List<String> classpath = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            String option = options.get(i);
            if (CLASSPATH_OPTIONS.contains(option) && i + 1 < options.size()) classpath.add(options.get(++i));
            for (String name : CLASSPATH_OPTIONS) if (option.startsWith(name + "=")) classpath.add(option.substring(name.length() + 1));
        }
        if (classpath.isEmpty() || options.contains(FRESH_JVM_PER_CLASS)) return null;
        Path workerClasses = tools.resolve("junit-worker");
        String classFile = WORKER_CLASS.substring(WORKER_CLASS.lastIndexOf('.') + 1) + ".class";
        Resources.unpack("junitworker/" + classFile, workerClasses.resolve(WORKER_CLASS.substring(0, WORKER_CLASS.lastIndexOf('.')).replace('.', '/')),
                classFile);
        List<String> command = new ArrayList<>(List.of(javaBinary()));
        options.stream().filter(o -> o.startsWith(JVM_OPTION)).forEach(o -> command.add(o.substring(JVM_OPTION.length())));
        classpath.add(0, workerClasses.toString());
        classpath.add(0, launcher(tools).toString());
        command.addAll(List.of("-cp", String.join(java.io.File.pathSeparator, classpath), WORKER_CLASS));
        return command;
    }

    /** The launcher's arguments, NUL-separated, without the classpath: the worker's JVM has it. */
    @Override
    public String workerJob(List<String> files, List<String> options, Path resultFile) {
        List<String> launcherOptions = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            String option = options.get(i);
            if (CLASSPATH_OPTIONS.contains(option)) {
                i++;
            } else if (CLASSPATH_OPTIONS.stream().noneMatch(name -> option.startsWith(name + "="))) {
                launcherOptions.add(option);
            }
        }
        return String.join("\0", execute(files, launcherOptions, resultFile));
    }

    @Override
    public boolean canSplit() {
        return true;
    }

    /**
     * Lists the classes' test methods with the launcher's {@code discover} and cuts each class into runs of its
     * methods: "CalcTest.class#adds()+fails()". A class with nested test classes runs whole, as their tests cannot
     * be named by a method of the outer class. Needs the classpath as this machine sees it in the options.
     */
    @Override
    public Map<String, List<String>> split(Path root, Map<String, Integer> pieces, List<String> options, Path tools) throws IOException, InterruptedException {
        if (pieces.isEmpty()) return Map.of();
        List<String> command = launch(tools, options);
        command.addAll(List.of("discover", "--disable-banner", "--disable-ansi-colors", "--details=verbose"));
        options.stream().filter(o -> !o.startsWith(JVM_OPTION)).forEach(command::add);
        pieces.keySet().stream().sorted().forEach(file -> command.add("--select-class=" + className(file)));
        String listing = DryRun.output("java", command, root);
        Map<String, java.util.LinkedHashSet<String>> methods = new LinkedHashMap<>();
        java.util.Set<String> nested = new java.util.HashSet<>();
        Matcher m = METHOD_SOURCE.matcher(listing);
        while (m.find()) {
            String cls = m.group(1);
            if (cls.contains("$")) {
                nested.add(cls.substring(0, cls.indexOf('$')));
                continue;
            }
            methods.computeIfAbsent(cls, c -> new java.util.LinkedHashSet<>()).add(m.group(2) + "(" + m.group(3) + ")");
        }
        return DryRun.cut(pieces, file -> nested.contains(className(file)) ? List.of() : List.copyOf(methods.getOrDefault(className(file), new java.util.LinkedHashSet<>())),
                (file, runs) -> file + "#" + String.join("+", runs));
    }

    /** What a Maven user types to run these tests: "mvn test -Dtest=CalcTest,OtherTest#works". */
    @Override
    public String displayCommand(List<String> files, List<String> options) {
        List<String> tests = files.stream().map(JUnitAdapter::surefireName).toList();
        return ShellWords.join(List.of("mvn", "test", "-Dtest=" + String.join(",", tests)));
    }

    @Override
    public Results readResults(Path resultFile, List<String> files, int exitCode, List<String> options) throws IOException {
        Path reports = reportsDir(resultFile);
        if (!Files.isDirectory(reports)) throw new IOException("the JUnit launcher wrote no reports");
        Map<String, String> entryByClass = new LinkedHashMap<>();
        Map<String, Tally> byEntry = new LinkedHashMap<>();
        for (String entry : files) {
            String file = fileOf(entry);
            entryByClass.putIfAbsent(className(file), file);
            byEntry.putIfAbsent(file, new Tally());
        }
        try (Stream<Path> xmls = Files.list(reports)) {
            for (Path xml : xmls.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).sorted().toList()) {
                NodeList cases = XmlFiles.parse(xml, "the JUnit report").getElementsByTagName("testcase");
                for (int i = 0; i < cases.getLength(); i++) {
                    Element test = (Element) cases.item(i);
                    String classname = test.getAttribute("classname");
                    String outer = classname.contains("$") ? classname.substring(0, classname.indexOf('$')) : classname;
                    String file = entryByClass.getOrDefault(outer, outer);
                    byEntry.computeIfAbsent(file, f -> new Tally()).add(file, classname, test);
                }
            }
        } finally {
            deleteTree(reports);
        }
        List<FileResult> results = new ArrayList<>();
        byEntry.forEach((file, t) -> results.add(new FileResult(file, t.tests, t.failures + t.errors, t.skipped, t.seconds, List.copyOf(t.failed),
                Map.of("failures", t.failures, "errors", t.errors), List.copyOf(t.cases))));
        return new Results(results, 0);
    }

    @Override
    public String testsNoun() {
        return "tests";
    }

    /** In Surefire's words, which a Maven user reads every day. */
    @Override
    public String totalsLine(Totals t) {
        String line = String.format("Tests run: %d, Failures: %d, Errors: %d, Skipped: %d", t.examples(), t.count("failures"), t.count("errors"), t.pending());
        return line + t.problems(", ");
    }

    @Override
    public String rerunCommand(FileResult.Failure failure) {
        return displayCommand(List.of(failure.rerunId()), List.of());
    }

    @Override
    public boolean rerunsById() {
        return true;
    }

    /** "target/test-classes/com/x/CalcTest.class" → "com.x.CalcTest". */
    static String className(String file) {
        int root = file.lastIndexOf(CLASSES);
        String path = root >= 0 ? file.substring(root + CLASSES.length()) : file;
        return path.replaceFirst("\\.class$", "").replace('/', '.');
    }

    private static String surefireName(String entry) {
        int hash = entry.indexOf('#');
        String cls = className(hash < 0 ? entry : entry.substring(0, hash));
        if (hash < 0) return cls.substring(cls.lastIndexOf('.') + 1);
        List<String> methods = new ArrayList<>();
        for (String method : entry.substring(hash + 1).split("\\+")) methods.add(method.replaceFirst("\\(.*$", ""));
        return cls.substring(cls.lastIndexOf('.') + 1) + "#" + String.join("+", methods.stream().distinct().toList());
    }

    private static Path reportsDir(Path resultFile) {
        return resultFile.resolveSibling(resultFile.getFileName() + ".reports");
    }

    /** The tests' JVM: JAVA_HOME's where it is set (a project may need a newer Java than testbot's), else testbot's own. */
    private static String javaBinary() {
        String javaHome = System.getenv("JAVA_HOME");
        Path java = javaHome != null && !javaHome.isBlank() ? Path.of(javaHome, "bin", "java") : null;
        return (java != null && Files.isExecutable(java) ? java : Path.of(System.getProperty("java.home"), "bin", "java")).toString();
    }

    /** The launcher, unpacked once per testbot version into a tools folder. */
    private static Path launcher(Path toolsDir) throws IOException {
        return Resources.unpack(LAUNCHER, toolsDir, LAUNCHER.replace(".jar", "-" + Version.CURRENT + ".jar"));
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static final class Tally {
        int tests, failures, errors, skipped;
        double seconds;
        final List<FileResult.Failure> failed = new ArrayList<>();
        final List<FileResult.TestCase> cases = new ArrayList<>();

        void add(String file, String classname, Element test) {
            String name = test.getAttribute("name");
            double time = parseSeconds(test.getAttribute("time"));
            Element failure = child(test, "failure");
            Element error = child(test, "error");
            Element skip = child(test, "skipped");
            tests++;
            seconds += time;
            String status = FileResult.TestCase.PASSED;
            String message = null;
            String id = null;
            if (failure != null || error != null) {
                Element problem = failure != null ? failure : error;
                if (failure != null) failures++;
                else errors++;
                status = failure != null ? FileResult.TestCase.FAILED : FileResult.TestCase.ERROR;
                message = problem.getTextContent().strip();
                // A nested class's test re-runs with its whole outer class: an entry names methods of that class only.
                String method = classname.contains("$") ? null : method(test, name);
                id = method == null ? file : file + "#" + method;
                String where = classname + "." + name;
                failed.add(new FileResult.Failure(where, where + ": " + problem.getAttribute("message"), id));
            } else if (skip != null) {
                skipped++;
                status = FileResult.TestCase.SKIPPED;
                message = skip.getTextContent().strip();
            }
            cases.add(new FileResult.TestCase(classname, name, time, status, message, id));
        }

        /**
         * The Java method behind a test, as a method selector takes it ("adds()", "add(int, int)"; JUnit 4's
         * without parentheses), from the unique id the launcher writes beside it; null when there is none.
         */
        private static String method(Element test, String name) {
            Element out = child(test, "system-out");
            String found = null;
            if (out != null) {
                Matcher m = METHOD_ID.matcher(out.getTextContent());
                while (m.find()) found = "test".equals(m.group(1)) ? m.group(2).replaceFirst("\\(.*$", "") : m.group(2);
            }
            if (found == null) found = name.contains("(") ? name.substring(0, name.indexOf('(')) : name;
            return ENTRY.matcher("x.class#" + found).matches() ? found : null;
        }

        private static Element child(Element parent, String tag) {
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals(tag)) return e;
            }
            return null;
        }

        private static double parseSeconds(String text) {
            try {
                return Double.parseDouble(text.replace(",", ""));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }
}
