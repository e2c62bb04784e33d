package org.difflabel.registry;

/**
 * The registry refused a request (a 4xx answer), e.g. an incompatible schema (409), an invalid
 * schema (422) or bad credentials (401). Retrying the same request will not help.
 */
public class RegistryRequestException extends RuntimeException {
    private final int status;
    private final int errorCode;

    public RegistryRequestException(String request, int status, int errorCode, String registryMessage) {
        super(request + " refused with HTTP " + status + " (error code " + errorCode + "): " + registryMessage);
        this.status = status;
        this.errorCode = errorCode;
    }

    /** HTTP status of the answer. */
    public int status() {
        return status;
    }

    /** The registry's {@code error_code} (e.g. 40401 subject not found, 409 incompatible), or the HTTP status when the body had none. */
    public int errorCode() {
        return errorCode;
    }
}
