package io.testbot.protocol;

import java.util.List;

/** Asks the server which of these blobs it lacks; the answer is the same record holding only the missing ones. */
public record BlobQuery(List<String> sha256) {}
