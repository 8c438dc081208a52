package io.testbot.runner;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** A process's output, keeping at most a bounded head and tail so a runaway job cannot exhaust memory. */
final class OutputCapture {
    static final int HEAD_LIMIT = 2 * 1024 * 1024;
    static final int TAIL_LIMIT = 512 * 1024;

    private final ByteArrayOutputStream head = new ByteArrayOutputStream();
    private final byte[] tail = new byte[TAIL_LIMIT];
    private long tailWritten;
    private long dropped;

    /** Reads the stream to its end. */
    static String read(InputStream in) throws IOException {
        OutputCapture capture = new OutputCapture();
        byte[] buffer = new byte[16 * 1024];
        for (int n; (n = in.read(buffer)) > 0; ) capture.write(buffer, 0, n);
        return capture.text();
    }

    void write(byte[] bytes, int offset, int length) {
        int toHead = Math.max(0, Math.min(length, HEAD_LIMIT - head.size()));
        head.write(bytes, offset, toHead);
        for (int i = offset + toHead; i < offset + length; i++) {
            if (tailWritten >= TAIL_LIMIT) dropped++;
            tail[(int) (tailWritten++ % TAIL_LIMIT)] = bytes[i];
        }
    }

    String text() {
        String text = head.toString(StandardCharsets.UTF_8);
        if (tailWritten == 0) return text;
        int tailLength = (int) Math.min(tailWritten, TAIL_LIMIT);
        byte[] ordered = new byte[tailLength];
        long start = tailWritten - tailLength;
        for (int i = 0; i < tailLength; i++) ordered[i] = tail[(int) ((start + i) % TAIL_LIMIT)];
        String marker = dropped > 0 ? "\n[testbot: " + dropped + " bytes of output left out]\n" : "";
        return text + marker + new String(ordered, StandardCharsets.UTF_8);
    }
}
