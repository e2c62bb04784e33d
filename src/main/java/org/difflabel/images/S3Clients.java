package org.difflabel.images;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/** The S3 client of {@code labeler.image.reference.s3.*}: the fetcher's, and the benchmark's for uploading its images. */
public final class S3Clients {
    private S3Clients() {
    }

    /**
     * A client with the settings' endpoint, region, addressing, credentials and timeouts, and no
     * retries of its own (the fetcher retries, with its backoff, so a try is a try).
     */
    public static S3Client of(FetchSettings settings) {
        FetchSettings.S3 s3 = settings.s3();
        AwsCredentialsProvider credentials = s3.accessKeyId().isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKeyId().get(),
                s3.secretAccessKey().orElse("")))
                : DefaultCredentialsProvider.builder().build();
        var b = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(settings.connectTimeout())
                        .socketTimeout(settings.readTimeout()))
                .region(Region.of(s3.region()))
                .forcePathStyle(s3.pathStyle())
                .credentialsProvider(credentials)
                // checksums only where S3 requires them, plain (not aws-chunked) upload bodies:
                // S3-compatible stores do not all speak the newer forms
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)));
        s3.endpoint().ifPresent(b::endpointOverride);
        return b.build();
    }
}
