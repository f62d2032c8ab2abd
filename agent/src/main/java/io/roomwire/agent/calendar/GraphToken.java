package io.roomwire.agent.calendar;

import java.util.Optional;

/**
 * Where the calendar gets its Microsoft Graph access token (audience
 * {@code https://graph.microsoft.com}); provisioning implements it with the Entra token manager.
 */
public interface GraphToken {

    /** The current access token, if the device has one (empty before enrollment). */
    Optional<String> accessToken();

    /**
     * Graph answered 401 to the token last returned by {@link #accessToken()}: obtain a fresh one
     * (refresh grant) and return it; {@link #accessToken()} returns it from then on. Empty when no
     * fresh token can be had. The calendar calls this at most once per rejected request.
     */
    Optional<String> refreshAfterUnauthorized();

    /**
     * Why {@link #accessToken()} is empty, in words for the calendar's health: not signed in yet, or
     * signed in with a token that expired while Entra could not refresh it.
     */
    default String whyNoToken() {
        return "the device is not enrolled (run 'roomwire enroll')";
    }
}
