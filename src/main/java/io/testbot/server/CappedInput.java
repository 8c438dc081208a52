package io.testbot.server;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request body, or what it unpacks to, that fails with {@link TooLarge} (a 413) as soon as more than its cap has
 * been read: Javalin checks a body's declared Content-Length, and a chunked body declares none.
 */
final class CappedInput extends FilterInputStream {
    /** A request past one of the server's limits. */
    static final class TooLarge extends RuntimeException {
        TooLarge(String message) {
            super(message);
        }
    }

    private final long cap;
    private final String what;
    private long read;

    /** @param what what is capped, for the message ("a JSON request", "an upload, unpacked") */
    CappedInput(InputStream in, long cap, String what) {
        super(in);
        this.cap = cap;
        this.what = what;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) count(1);
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, (int) Math.min(length, cap - read + 1));
        if (n > 0) count(n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(Math.min(n, cap - read + 1));
        count(skipped);
        return skipped;
    }

    /** The bytes read so far. */
    long bytesRead() {
        return read;
    }

    private void count(long n) {
        read += n;
        if (read > cap) throw new TooLarge(what + " larger than " + cap + " bytes");
    }
}
