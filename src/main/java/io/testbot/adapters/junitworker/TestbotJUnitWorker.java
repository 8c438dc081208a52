package io.testbot.adapters.junitworker;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * testbot's JUnit worker: one JVM per instance and build that runs job after job with the JUnit Platform console
 * launcher, in process, as Surefire's reused forks and Gradle's test workers do: the project's classes load and
 * compile once, not once per job. It runs in the tests' JVM, with the launcher and the project's classpath on its
 * own, and so uses nothing but the JDK (the launcher through reflection); the runner unpacks this one class file.
 *
 * <p>Each line on stdin is a job: the launcher's arguments, separated by NUL characters. After each job it prints a
 * line with the marker (TESTBOT_WORKER_MARKER) and the launcher's exit status, and "retire" when the launcher
 * itself failed (this JVM then runs no more jobs). It ends at end of input, or when no job comes for
 * TESTBOT_WORKER_IDLE seconds (3 by default). What a worker keeps between jobs is what one Surefire fork keeps between
 * test classes: static state, loaded classes, threads the tests left running.
 */
public final class TestbotJUnitWorker {
    private static final String END = "\u0000end";

    private TestbotJUnitWorker() {}

    public static void main(String[] args) throws Exception {
        String marker = System.getenv("TESTBOT_WORKER_MARKER");
        if (marker == null) throw new IllegalStateException("TESTBOT_WORKER_MARKER is not set");
        String idle = System.getenv("TESTBOT_WORKER_IDLE");
        long idleSeconds = idle == null ? 3 : Long.parseLong(idle);
        PrintStream stdout = System.out; // a test may replace System.out: the marker goes where the runner reads
        java.io.InputStream stdin = System.in; // before the tests' empty one replaces it below
        BlockingQueue<String> jobs = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) jobs.add(line);
            } catch (java.io.IOException ended) {
                // as at end of input
            }
            jobs.add(END);
        }, "testbot-jobs");
        reader.setDaemon(true);
        reader.start();
        Method run = Class.forName("org.junit.platform.console.ConsoleLauncher")
                .getMethod("run", PrintWriter.class, PrintWriter.class, String[].class);
        // Tests read no input of ours.
        System.setIn(new java.io.ByteArrayInputStream(new byte[0]));
        while (true) {
            String job = jobs.poll(idleSeconds, TimeUnit.SECONDS);
            if (job == null || job.equals(END)) break;
            PrintWriter out = new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), true);
            PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
            int status;
            boolean retire = false;
            try {
                Object result = run.invoke(null, out, err, (Object) job.split("\u0000"));
                status = (Integer) result.getClass().getMethod("getExitCode").invoke(result);
            } catch (InvocationTargetException e) {
                e.getCause().printStackTrace(err);
                status = 1;
                retire = true;
            }
            out.flush();
            err.flush();
            System.out.flush();
            System.err.flush();
            stdout.print("\n" + marker + " " + status + (retire ? " retire" : "") + "\n");
            stdout.flush();
            if (retire) break;
        }
        // Threads the tests left running would keep the JVM up; shutdown hooks still run.
        System.exit(0);
    }
}
