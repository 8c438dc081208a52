package io.testbot.server;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.testbot.protocol.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * The live status page (/status) and a build's timeline (/status/builds/ID): plain HTML, CSS and a little
 * JavaScript from the jar, following /status/events. A browser signs in once with a token (a form, or /status?token=
 * once), which it keeps in an HttpOnly cookie for the status paths alone, so the token is not in every URL.
 */
final class StatusPage {
    private static final java.util.regex.Pattern BUILD_PAGE = java.util.regex.Pattern.compile("/status/builds/\\d+");

    static final String COOKIE = "testbot_token";
    static final String EVENTS = "/status/events";
    static final String DATA = "/status/data";
    static final String LOGIN = "/status/login";
    static final String BUILD = "/status/builds/{id}";
    static final String BUILD_DATA = "/status/builds/{id}/data";

    private final Function<String, Access.Principal> principalOf;
    private final StatusFeed feed;
    private final boolean secure;
    private final boolean open;

    /**
     * @param principalOf whose a token is, or null
     * @param secure      served over HTTPS: the cookie is sent over HTTPS only
     * @param open        no token is needed (--insecure)
     */
    StatusPage(Function<String, Access.Principal> principalOf, StatusFeed feed, boolean secure, boolean open) {
        this.principalOf = principalOf;
        this.feed = feed;
        this.secure = secure;
        this.open = open;
    }

    /** The pages, which answer a browser without a token with the sign-in form; their data needs the token. */
    static boolean isPage(String method, String path) {
        return (method.equals("GET") && (path.equals(io.testbot.protocol.Api.STATUS) || BUILD_PAGE.matcher(path).matches()))
                || (method.equals("POST") && path.equals(LOGIN));
    }

    void routes(Javalin app) {
        app.get(io.testbot.protocol.Api.STATUS, ctx -> page(ctx, "status.html"));
        app.get(BUILD, ctx -> page(ctx, "build.html"));
        app.post(LOGIN, this::login);
        app.get(DATA, ctx -> ctx.json(feed.view()));
        app.get(BUILD_DATA, ctx -> {
            StatusFeed.BuildView view = feed.build(Long.parseLong(ctx.pathParam("id").replaceAll("\\D", "0")));
            if (view == null) ctx.status(HttpStatus.NOT_FOUND).json(new io.testbot.protocol.ErrorReply("no such build"));
            else ctx.contentType("application/json").result(Json.MAPPER.writeValueAsBytes(view));
        });
        app.sse(EVENTS, feed::join);
    }

    private void page(Context ctx, String resource) throws IOException {
        String inUrl = ctx.queryParam("token");
        if (inUrl != null && principalOf.apply(inUrl) != null) {
            // Signed in by a link: keep the token in the cookie, and take it out of the address bar and history.
            signIn(ctx, inUrl);
            ctx.redirect(ctx.path(), HttpStatus.SEE_OTHER);
            return;
        }
        if (!open && signedIn(ctx) == null) {
            ctx.status(HttpStatus.UNAUTHORIZED).html(loginForm(inUrl == null ? null : "That token is not valid.", ctx.path()));
            return;
        }
        ctx.header("Cache-Control", "no-store").html(text(resource));
    }

    private void login(Context ctx) {
        String token = ctx.formParam("token");
        String back = ctx.formParam("back");
        if (back == null || !(back.equals(io.testbot.protocol.Api.STATUS) || BUILD_PAGE.matcher(back).matches())) back = io.testbot.protocol.Api.STATUS;
        if (token == null || principalOf.apply(token.strip()) == null) {
            ctx.status(HttpStatus.UNAUTHORIZED).html(loginForm("That token is not valid.", back));
            return;
        }
        signIn(ctx, token.strip());
        ctx.redirect(back, HttpStatus.SEE_OTHER);
    }

    /** The principal of the request's cookie, or null. */
    Access.Principal signedIn(Context ctx) {
        String cookie = ctx.cookie(COOKIE);
        return cookie == null ? null : principalOf.apply(cookie);
    }

    private void signIn(Context ctx, String token) {
        ctx.header("Set-Cookie", COOKIE + "=" + token + "; Path=/status; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : ""));
    }

    private static String loginForm(String problem, String back) {
        return """
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>testbot: sign in</title>
                <style>body{font-family:system-ui,sans-serif;margin:3em auto;max-width:28em;color:#222}input{font:inherit;padding:.3em;width:100%;box-sizing:border-box}
                button{font:inherit;margin-top:.6em;padding:.3em 1em}.problem{color:#b3261e}</style></head><body>
                <h1>testbot</h1><p>Sign in with a token of this server (any role) to see its status.</p>
                """ + (problem == null ? "" : "<p class=\"problem\">" + escape(problem) + "</p>") + """
                <form method="post" action="/status/login"><input type="password" name="token" id="token" autocomplete="current-password" placeholder="token" autofocus>
                <input type="hidden" name="back" value=\"""" + escape(back) + """
                "><button type="submit" id="sign-in">Sign in</button></form></body></html>""";
    }

    private static String text(String resource) throws IOException {
        try (InputStream in = StatusPage.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException(resource + " is missing from the testbot jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String escape(String s) {
        if (s == null) return "";
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
