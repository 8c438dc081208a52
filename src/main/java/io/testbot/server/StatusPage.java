package io.testbot.server;

import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.RunnerInfo;

import java.util.List;

/** The plain HTML /status page: runners and recent builds. */
final class StatusPage {
    private StatusPage() {}

    static String render(String version, List<RunnerInfo> runners, List<BuildInfo> builds) {
        StringBuilder html = new StringBuilder("""
                <!doctype html><html><head><meta charset="utf-8"><title>testbot status</title>
                <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}</style>
                </head><body>""");
        html.append("<h1>testbot ").append(esc(version)).append("</h1>");
        html.append("<h2>Runners</h2><table><tr><th>host</th><th>address</th><th>version</th><th>instances</th><th>busy</th><th>state</th><th>last seen</th></tr>");
        for (RunnerInfo r : runners) {
            String state = !r.live() ? "gone" : r.upToDate() ? "live" : "outdated (no jobs)";
            html.append("<tr><td>").append(esc(r.hostname())).append("</td><td>").append(esc(r.address())).append("</td><td>")
                    .append(esc(r.version())).append("</td><td>").append(r.instances()).append("</td><td>").append(r.busy())
                    .append("</td><td>").append(state).append("</td><td>").append(r.lastSeenAt()).append("</td></tr>");
        }
        html.append("</table><h2>Recent builds</h2><table><tr><th>id</th><th>project</th><th>framework</th><th>status</th><th>jobs done</th><th>files</th><th>by</th><th>started</th><th>finished</th></tr>");
        for (BuildInfo b : builds) {
            html.append("<tr><td>").append(b.id()).append("</td><td>").append(esc(b.project())).append("</td><td>").append(esc(b.adapter()))
                    .append("</td><td>").append(esc(b.status())).append("</td><td>").append(b.jobsDone()).append('/').append(b.jobs())
                    .append("</td><td>").append(b.files()).append("</td><td>").append(esc(b.requestedBy())).append("</td><td>")
                    .append(b.createdAt()).append("</td><td>").append(b.finishedAt() == null ? "" : b.finishedAt()).append("</td></tr>");
        }
        return html.append("</table></body></html>").toString();
    }

    private static String esc(String s) {
        if (s == null) return "";
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
