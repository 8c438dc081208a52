package io.testbot.protocol;

/** The body of every 4xx/5xx answer. */
public record ErrorReply(String error) {}
