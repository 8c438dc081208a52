package io.testbot.requester;

import io.testbot.adapters.Adapter;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.Json;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The build's result as files for machines: one merged JUnit XML report (--junit-xml) and JSON (--json). */
final class Reports {
    private Reports() {}

    /**
     * JUnit XML as Jenkins, GitLab and GitHub read it: a testsuite per file (the parts of a split file merged), a
     * testcase per test. A test that failed and then passed on a re-run is reported passed, with a note; jobs
     * without complete results and files without a result are reported as errors, so the report fails as the
     * build does.
     */
    static void junitXml(Path file, Summary summary, BuildInfo build, Set<String> unaccounted) throws IOException {
        Map<String, List<FileResult.TestCase>> byFile = new LinkedHashMap<>();
        for (FileResult f : summary.files()) byFile.computeIfAbsent(f.path(), p -> new ArrayList<>()).addAll(f.cases());
        List<FileResult.TestCase> problems = new ArrayList<>();
        for (String job : summary.erroredJobs()) problems.add(new FileResult.TestCase("testbot", job, 0, FileResult.TestCase.ERROR, "job without complete results; see its output", null));
        for (String entry : unaccounted.stream().sorted().toList()) problems.add(new FileResult.TestCase("testbot", entry, 0, FileResult.TestCase.ERROR, "no result for this file", null));
        if (!problems.isEmpty()) byFile.put("testbot", problems);

        writeAtomically(file, out -> {
            XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            List<FileResult.TestCase> all = byFile.values().stream().flatMap(List::stream).toList();
            xml.writeStartElement("testsuites");
            xml.writeAttribute("name", "testbot build " + build.id());
            counts(xml, all, summary.flaky().keySet());
            xml.writeCharacters("\n");
            for (Map.Entry<String, List<FileResult.TestCase>> suite : byFile.entrySet()) {
                xml.writeCharacters("  ");
                xml.writeStartElement("testsuite");
                xml.writeAttribute("name", clean(suite.getKey()));
                counts(xml, suite.getValue(), summary.flaky().keySet());
                xml.writeCharacters("\n");
                for (FileResult.TestCase test : suite.getValue()) testcase(xml, suite.getKey(), test, summary.flaky().containsKey(test.id()));
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

    /** The build as JSON: totals, every file's result, every job, the failures with their re-run commands. */
    static void json(Path file, Summary summary, Adapter adapter, BuildInfo build, double wallSeconds, Set<String> unaccounted) throws IOException {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("build", Map.of("id", build.id(), "project", build.project(), "adapter", build.adapter(), "status", build.status()));
        report.put("passed", summary.passed() && unaccounted.isEmpty() && summary.duplicatedFiles().isEmpty() && !"cancelled".equals(build.status()));
        report.put("wall_seconds", wallSeconds);
        report.put("ideal_seconds", summary.idealSeconds());
        report.put("totals", summary.totals());
        report.put("totals_line", adapter.totalsLine(summary.totals()));
        report.put("runners", summary.runners().stream().sorted().toList());
        report.put("files", summary.files());
        report.put("jobs", summary.jobs());
        report.put("failures", summary.failing().stream().map(f -> failure(adapter, f)).toList());
        report.put("flaky", summary.flaky().values().stream().map(f -> failure(adapter, f)).toList());
        report.put("errored_jobs", summary.erroredJobs());
        report.put("without_result", unaccounted.stream().sorted().toList());
        report.put("with_more_than_one_result", List.copyOf(summary.duplicatedFiles()));
        writeAtomically(file, out -> Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(out, report));
    }

    private static Map<String, String> failure(Adapter adapter, FileResult.Failure f) {
        return Map.of("location", f.location(), "description", f.description(), "rerun", adapter.rerunCommand(f));
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

    private interface Writing {
        void to(OutputStream out) throws IOException, XMLStreamException;
    }

    /** Written beside the target and renamed into place, so a reader never sees half a report. */
    private static void writeAtomically(Path file, Writing writing) throws IOException {
        Path target = file.toAbsolutePath();
        if (target.getParent() != null) Files.createDirectories(target.getParent());
        Path temporary = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(temporary)) {
                writing.to(out);
            } catch (XMLStreamException e) {
                throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
            }
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
