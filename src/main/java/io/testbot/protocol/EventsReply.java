package io.testbot.protocol;

import java.util.List;

/** Answer to a requester following a build: new events, and how many runners could take its jobs now. */
public record EventsReply(List<BuildEvent> events, int liveRunners, String buildStatus) {}
