package org.difflabel.images;

import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_BAD_URI;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_FORBIDDEN;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_NOT_ALLOWED;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_NOT_FOUND;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_REFUSED;

/**
 * s3://bucket/key references through the AWS SDK, against AWS or any S3-compatible store
 * ({@code labeler.image.reference.s3.*}). Only the bucket comes from the event, and it must be on
 * the allowlist; the endpoint is configuration. The SDK does not retry (the fetcher does, with the
 * same backoff as for http), and the object's length is checked from the response headers before
 * its body is read.
 */
final class S3Source implements AutoCloseable {
    private final FetchSettings settings;
    private volatile S3Client client;

    S3Source(FetchSettings settings) {
        this.settings = settings;
    }

    byte[] fetch(URI uri) {
        String bucket = uri.getHost();
        String path = uri.getRawPath();
        if (bucket == null || bucket.isEmpty() || path == null || path.length() < 2 || uri.getRawQuery() != null) {
            throw new ImageFetchException(IMAGE_REF_BAD_URI, "an s3 reference is s3://bucket/key: " + Redacted.uri(uri));
        }
        if (!settings.allowedBuckets().contains(bucket)) {
            throw new ImageFetchException(IMAGE_REF_NOT_ALLOWED, "bucket " + bucket
                    + " is not on labeler.image.reference.allowed-buckets" + (settings.allowedBuckets().isEmpty()
                    ? " (empty: references are refused)" : ""));
        }
        String key = URLDecoder.decode(path.substring(1).replace("+", "%2B"), StandardCharsets.UTF_8);
        String what = "s3://" + bucket + "/" + key;
        GetObjectRequest request = GetObjectRequest.builder().bucket(bucket).key(key).build();
        try (ResponseInputStream<GetObjectResponse> in = client().getObject(request)) {
            Long length = in.response().contentLength();
            try {
                BoundedBytes.checkDeclared(length == null ? -1 : length, settings.maxBytes(), what);
                return BoundedBytes.read(in, -1, settings.maxBytes(), settings.maxPixels(), what);
            } catch (ImageFetchException e) {
                in.abort(); // close the connection instead of draining the rest of the object
                throw e;
            }
        } catch (S3Exception e) {
            throw failure(e, what);
        } catch (SdkClientException | IOException e) {
            throw new ImageStoreUnavailableException("reading " + what + " failed: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new ImageStoreUnavailableException("reading " + what + " failed: " + e.getMessage(), e);
        }
    }

    private static RuntimeException failure(S3Exception e, String what) {
        int status = e.statusCode();
        String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
        String detail = what + ": " + status + (code == null || code.isEmpty() ? "" : " " + code);
        if (status == 404) {
            return new ImageFetchException(IMAGE_REF_NOT_FOUND, detail);
        }
        if (status == 401 || status == 403) {
            return new ImageFetchException(IMAGE_REF_FORBIDDEN, detail);
        }
        if (e.isThrottlingException() || status == 408 || status == 429 || status >= 500) {
            return new ImageStoreUnavailableException(detail, e);
        }
        return new ImageFetchException(IMAGE_REF_REFUSED, detail);
    }

    private S3Client client() {
        S3Client c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    client = S3Clients.of(settings);
                }
                c = client;
            }
        }
        return c;
    }

    @Override
    public void close() {
        S3Client c = client;
        if (c != null) {
            c.close();
        }
    }
}
