package io.testbot.server;

/** What the server's operations refuse, each answered with its HTTP status by the routes and by {@link InProcessApi}. */
final class ApiErrors {
    private ApiErrors() {
    }

    /** 400: the request is malformed or out of bounds. */
    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }

    /** 403: the caller's token may not do this. */
    static final class Forbidden extends RuntimeException {
        Forbidden(String message) {
            super(message);
        }
    }

    /** 404: no such build, runner or path. */
    static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    /** 409: it cannot be done now (a result for a job that is not the runner's, blobs the server lacks). */
    static final class Conflict extends RuntimeException {
        Conflict(String message) {
            super(message);
        }
    }
}
