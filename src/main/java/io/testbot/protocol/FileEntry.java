package io.testbot.protocol;

/** One file of a project snapshot: where it goes, what it holds (SHA-256, hex) and whether it is executable. */
public record FileEntry(String path, String sha256, long size, boolean executable) {}
