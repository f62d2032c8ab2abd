package io.roomwire.provisioning;

/** Where the device stands with Entra ID. */
public enum EnrollmentState {
    /** Not started yet, or stopped. */
    NOT_ENROLLED,
    /** A device code is shown (or being requested): waiting for an admin to sign in. */
    ENROLLING,
    /** Tokens are held and refreshed. */
    ENROLLED,
    /** Conditional access refuses new tokens because the device is not compliant; retried by itself. */
    BLOCKED_BY_COMPLIANCE,
    /** Sign-in was declined: waiting for someone to ask for a new code. */
    DECLINED,
    /** Cannot proceed without an operator: the reason names the config key to fix. */
    FAILED
}
