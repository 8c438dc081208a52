package io.testbot.requester;

import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.FileResult;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * --junit-xml FILE: one merged JUnit XML report, as Jenkins, GitLab and GitHub read it: a testsuite per file (the
 * parts of a split file merged), a testcase per test. A test that failed and then passed on a re-run is reported
 * passed, with a note; a file that did not load, jobs without complete results and files without a result are
 * reported as errors, so the report fails as the build does.
 */
final class JUnitXmlReport implements BuildListener {
    private final Path file;

    JUnitXmlReport(Path file) {
        this.file = file;
    }

    @Override
    public void buildFinished(Finished finished) throws IOException {
        BuildResults results = finished.results();
        BuildInfo build = finished.build();
        Set<String> flaky = results.tally().flaky().keySet();
        Map<String, List<FileResult.TestCase>> byFile = new LinkedHashMap<>();
        for (FileResult f : results.files()) {
            List<FileResult.TestCase> cases = byFile.computeIfAbsent(f.path(), p -> new ArrayList<>());
            cases.addAll(f.cases());
            if (f.error() != null) cases.add(new FileResult.TestCase(classname(f.path()), "(the file did not load)", 0, FileResult.TestCase.ERROR, f.error(), null));
        }
        List<FileResult.TestCase> problems = new ArrayList<>();
        for (String job : results.tally().erroredJobs()) problems.add(new FileResult.TestCase("testbot", job, 0, FileResult.TestCase.ERROR, "job without complete results; see its output", null));
        for (String entry : finished.verdict().withoutResult()) problems.add(new FileResult.TestCase("testbot", entry, 0, FileResult.TestCase.ERROR, "no result for this file", null));
        if (!problems.isEmpty()) byFile.put("testbot", problems);

        ReportFiles.writeAtomically(file, out -> {
            XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            List<FileResult.TestCase> all = byFile.values().stream().flatMap(List::stream).toList();
            xml.writeStartElement("testsuites");
            xml.writeAttribute("name", "testbot build " + build.id());
            counts(xml, all, flaky);
            xml.writeCharacters("\n");
            for (Map.Entry<String, List<FileResult.TestCase>> suite : byFile.entrySet()) {
                xml.writeCharacters("  ");
                xml.writeStartElement("testsuite");
                xml.writeAttribute("name", clean(suite.getKey()));
                counts(xml, suite.getValue(), flaky);
                xml.writeCharacters("\n");
                for (FileResult.TestCase test : suite.getValue()) testcase(xml, suite.getKey(), test, test.id() != null && flaky.contains(test.id()));
                xml.writeCharacters("  ");
                xml.writeEndElement();
                xml.writeCharacters("\n");
            }
            xml.writeEndElement();
            xml.writeCharacters("\n");
            xml.writeEndDocument();
            xml.close();
        });
    }

    private static void counts(XMLStreamWriter xml, List<FileResult.TestCase> cases, Set<String> flaky) throws XMLStreamException {
        int failures = 0, errors = 0, skipped = 0;
        double seconds = 0;
        for (FileResult.TestCase test : cases) {
            seconds += test.seconds();
            if (test.id() != null && flaky.contains(test.id())) continue;
            switch (test.status()) {
                case FileResult.TestCase.FAILED -> failures++;
                case FileResult.TestCase.ERROR -> errors++;
                case FileResult.TestCase.SKIPPED -> skipped++;
                default -> { }
            }
        }
        xml.writeAttribute("tests", String.valueOf(cases.size()));
        xml.writeAttribute("failures", String.valueOf(failures));
        xml.writeAttribute("errors", String.valueOf(errors));
        xml.writeAttribute("skipped", String.valueOf(skipped));
        xml.writeAttribute("time", seconds(seconds));
    }

    private static void testcase(XMLStreamWriter xml, String file, FileResult.TestCase test, boolean flaky) throws XMLStreamException {
        xml.writeCharacters("    ");
        xml.writeStartElement("testcase");
        xml.writeAttribute("classname", clean(test.classname()));
        xml.writeAttribute("name", clean(test.name()));
        xml.writeAttribute("file", clean(file));
        xml.writeAttribute("time", seconds(test.seconds()));
        String message = test.message() == null ? "" : clean(test.message());
        String firstLine = message.lines().findFirst().orElse("");
        if (flaky) {
            xml.writeStartElement("system-out");
            xml.writeCharacters("testbot: failed, then passed when re-run (flaky): " + message);
            xml.writeEndElement();
        } else {
            switch (test.status()) {
                case FileResult.TestCase.FAILED, FileResult.TestCase.ERROR -> {
                    xml.writeStartElement(FileResult.TestCase.FAILED.equals(test.status()) ? "failure" : "error");
                    xml.writeAttribute("message", firstLine.length() > 500 ? firstLine.substring(0, 500) + "…" : firstLine);
                    xml.writeCharacters(message);
                    xml.writeEndElement();
                }
                case FileResult.TestCase.SKIPPED -> {
                    xml.writeEmptyElement("skipped");
                    if (!firstLine.isEmpty()) xml.writeAttribute("message", firstLine);
                }
                default -> { }
            }
        }
        xml.writeEndElement();
        xml.writeCharacters("\n");
    }

    /** "spec/models/user_spec.rb" → "spec.models.user_spec", as JUnit reports name a test's class. */
    private static String classname(String path) {
        return path.replaceFirst("\\.[^./]+$", "").replace('/', '.');
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, "%.3f", s);
    }

    /** XML 1.0 cannot carry most control characters, which test output sometimes holds (colour codes). */
    static String clean(String text) {
        if (text == null) return "";
        StringBuilder out = new StringBuilder(text.length());
        text.replaceAll("\u001B\\[[0-9;]*[A-Za-z]", "").codePoints().forEach(c -> {
            boolean allowed = c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000;
            if (allowed) out.appendCodePoint(c);
        });
        return out.toString();
    }
}
