package io.testbot.server;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.testbot.protocol.Api;
import io.testbot.protocol.ErrorReply;
import io.testbot.store.Store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Supplier;

/**
 * Who a request comes from ({@link Access}): the bearer token, or for the status paths the cookie the sign-in
 * left; 401 without a valid one, 403 for a route the token's role may not use. Runs before every route.
 */
final class Authentication {
    private final String token;
    private final Supplier<Store> store;

    /** @param token the server's own (an admin's); null: no token needed (--insecure) */
    Authentication(String token, Supplier<Store> store) {
        this.token = token;
        this.store = store;
    }

    /** The request's {@link Access.Principal}, once authenticated. */
    static final String PRINCIPAL = "testbot.principal";

    void authenticate(Context ctx) {
        if (ctx.path().equals(Api.HEALTH)) return;
        if (token == null) {
            ctx.attribute(PRINCIPAL, Access.ANYONE);
            return;
        }
        // The status pages answer a browser without a token with their sign-in form (and take ?token= once).
        if (StatusPage.isPage(ctx.method().name(), ctx.path())) return;
        String header = ctx.header(Api.TOKEN_HEADER);
        // A token in a URL ends up in logs and shell histories: no route reads one there; a browser keeps it in a cookie.
        String inCookie = ctx.path().startsWith(Api.STATUS + "/") ? ctx.cookie(StatusPage.COOKIE) : null;
        String presented = header != null && header.startsWith("Bearer ") ? header.substring(7).strip() : inCookie;
        Access.Principal who = presented == null ? null : principal(presented);
        if (who == null) {
            ctx.status(HttpStatus.UNAUTHORIZED).json(new ErrorReply(presented == null ? "missing token" : "wrong token"));
            ctx.skipRemainingHandlers();
            return;
        }
        if (!Access.allows(who.role(), ctx.method().name(), ctx.path())) {
            ctx.status(HttpStatus.FORBIDDEN).json(new ErrorReply("the " + who.role().label() + " token " + who.name() + " may not " + ctx.method() + " " + ctx.path()
                    + " (a runner token runs jobs; builds take a user's token)"));
            ctx.skipRemainingHandlers();
            return;
        }
        ctx.attribute(PRINCIPAL, who);
    }

    /** Whose token this is: the server's own, a named one (checked in the store, so a revoked one fails at once), or nobody's. */
    Access.Principal principal(String presented) {
        if (MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) return Access.SERVER_TOKEN;
        Store.TokenRow row = store.get().tokenBySha256(Access.sha256(presented));
        return row == null ? null : new Access.Principal(row.name(), Access.Role.of(row.role()), true);
    }
}
