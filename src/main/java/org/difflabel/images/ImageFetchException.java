package org.difflabel.images;

/**
 * An image reference that can never be read as given: retrying would not help, so the record is
 * dead-lettered with {@link #code()}. Each code has the name of its dead-letter code in the
 * contract ({@code ErrorCode}); the message never carries the reference's query string or
 * user info (a presigned URL's signature, a password).
 */
public final class ImageFetchException extends RuntimeException {
    /** Why a reference was refused. */
    public enum Code {
        /** The event has both inline bytes and a reference. */
        IMAGE_REF_AND_BYTES,
        /** Not a URI, or a scheme other than s3, https, http, file; or a URI missing its bucket, key or host. */
        IMAGE_REF_BAD_URI,
        /** Host or bucket not on the allowlist (an empty allowlist refuses every reference), or file:// with no root set. */
        IMAGE_REF_NOT_ALLOWED,
        /** The host resolves to a loopback, link-local, private, multicast or unspecified address not allowed. */
        IMAGE_REF_BLOCKED_ADDRESS,
        /** A redirect to a host not on the allowlist, to another scheme, or from https to http. */
        IMAGE_REF_BAD_REDIRECT,
        /** More redirects than {@code labeler.image.reference.max-redirects}. */
        IMAGE_REF_TOO_MANY_REDIRECTS,
        /** A file:// path outside the configured root ({@code ..}, or a symbolic link out of it). */
        IMAGE_REF_OUTSIDE_ROOT,
        /** 404 / 410, no such key or bucket, no such file. */
        IMAGE_REF_NOT_FOUND,
        /** 401 / 403, access denied, an unreadable file. */
        IMAGE_REF_FORBIDDEN,
        /** Over {@code labeler.image.max-bytes} (as declared or while reading) or {@code max-pixels} (from its header). */
        IMAGE_REF_TOO_LARGE,
        /** Any other answer that will not change on retry (another 4xx, a directory). */
        IMAGE_REF_REFUSED
    }

    private final Code code;

    public ImageFetchException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
